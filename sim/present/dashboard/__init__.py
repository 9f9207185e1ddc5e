"""The interactive dashboard (Solara): what it computes (logic) apart from the page (app). Needs the `dashboard`
extra."""
