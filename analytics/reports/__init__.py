"""Analytics reports: the top layer (beside config), reading every app."""
