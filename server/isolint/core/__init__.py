"""Pure model: no libcst, no pygls. Everything else depends on this layer."""
