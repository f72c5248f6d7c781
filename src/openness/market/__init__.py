"""Market economics as pure numpy functions: technology, demand, pricing, finance, strategy."""
