"""The evidence pack for inspectors (issue 16, item 5): one zip with the period's audit log and its verification,
every policy version with its approvals, every transfer with its decoded intent, decisions, signatures, Travel Rule
record and receipt, the address book with ownership proofs, the statements and storage reports issued, and a manifest
of SHA-256 digests signed (EIP-191) by the exporting officer's key; and the check of such a pack, which needs nothing
but the zip.

- `period`: the inclusive UTC days of a pack;
- `texts`: each file's description in English and Traditional Chinese, and README.txt;
- `manifest`: the manifest's JSON, built and read back strictly;
- `signing`: the manifest's EIP-191 signature (journaled) and its recovery;
- `rows`, `intents`, `receipts`: database rows as JSON, a transfer's decoded intent, its receipt when the node answers;
- `sections_*`: what goes into each folder, read from the profile's database (read-only);
- `pack_zip`: writing the zip, and reading one without trusting it (names, sizes, bombs);
- `check`, `verify`, `verify_content`: every check of a pack;
- `export`: making one; `setup`: what it uses, from a profile (the CLI) or the desktop's services.
"""
