"""The intake format as data and the form engine (visibility, validation, derived values)."""
