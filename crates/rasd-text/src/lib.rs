//! rasd-text
