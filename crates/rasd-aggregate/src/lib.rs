//! rasd-aggregate
