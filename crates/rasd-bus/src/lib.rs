//! rasd-bus
