"""Plain view data: what each pane and screen shows, and the text and JSON reports."""
