"""Tables, figures and reports; they take DataFrames and provenance, never a model."""
