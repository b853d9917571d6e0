"""BC-UR (Uniform Resources): bytewords, fountain-coded multi-part QR sequences, and the `ur:` text form."""
