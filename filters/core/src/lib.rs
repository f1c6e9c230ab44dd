//! Parapet's detection core: knows the LLM wire formats.
