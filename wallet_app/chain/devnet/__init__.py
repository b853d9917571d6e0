"""The embedded devnet: a persistent py-evm chain in a state directory, served over JSON-RPC.

    devnet = Devnet.create(state_dir, alloc={"0xAbc…": 10**21})   # or Devnet.open(state_dir)
    w3 = Web3(DevnetProvider(devnet))                              # in-process
    server = serve_devnet(devnet, 8545); server.serve_forever()    # or for other processes
    find_served_endpoint(state_dir)                                # "http://127.0.0.1:8545" or None

One process holds a state directory at a time (DevnetBusy); a damaged state raises DevnetCorrupt and
stays untouched until `quarantine(state_dir)` moves it aside. The chain is py-evm's, driven directly
rather than through eth-tester (`ledger.py` says why); files: `chain.sqlite3`, `devnet.lock`,
`endpoint.json` while served.
"""

from wallet_app.chain.devnet.endpoint import find_served_endpoint
from wallet_app.chain.devnet.node import Devnet
from wallet_app.chain.devnet.provider import DevnetProvider
from wallet_app.chain.devnet.quarantine import quarantine
from wallet_app.chain.devnet.server import DevnetServer, serve_devnet

__all__ = [
    "Devnet",
    "DevnetProvider",
    "DevnetServer",
    "find_served_endpoint",
    "quarantine",
    "serve_devnet",
]
