"""Offline signing: air-gapped signer profiles, sign requests carried by QR code or file, and their answers."""
