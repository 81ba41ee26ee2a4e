//! rasd-fetch
