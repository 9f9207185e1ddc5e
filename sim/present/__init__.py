"""Everything that draws or renders: one figure style (style), the figures by what they show (figures), one HTML
layer (html) shared by the workshop report (report) and the fit report (fit_report), and the dashboard."""
