"""The screens: the main screen and the views opened from it."""
