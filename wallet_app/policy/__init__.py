"""Policy: the decoder of Safe transactions (what a transaction does, from its raw bytes) and, later, the rules that
decide on it. Everything here is pure: no network, no Qt; the only disk access is `UserAbiBook`'s load/save."""
