//! Shared helpers of the importers (temporary minimal version).
