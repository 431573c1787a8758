"""The panes of the main screen: each renders the view data it is given."""
