"""`custos devnet serve`: the profile's embedded devnet as JSON-RPC on loopback, for other Custos processes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wallet_app.cli.common import Commands, with_profile
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.profiles import Profile


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    devnet = commands.add_parser("devnet", help="the profile's embedded devnet").add_subparsers(
        dest="action", required=True
    )
    serve = devnet.add_parser("serve", help="serve the devnet as JSON-RPC on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=8545, help="TCP port on 127.0.0.1 (0 picks a free one)")
    serve.set_defaults(handler=_devnet_serve)


def _devnet_serve(args: argparse.Namespace) -> int:
    from wallet_app.chain.devnet import Devnet, serve_devnet

    def serve(profile: Profile) -> int:
        if not profile.preset.embedded:
            raise WalletError(f"The profile '{profile.name}' is on {profile.preset.name}, not on the embedded devnet")
        with Devnet.open(profile.paths.devnet) as devnet:
            server = serve_devnet(devnet, args.port)
            print(f"Serving the '{profile.name}' devnet (chain id {devnet.chain_id}) at {server.url}", flush=True)
            print("Other Custos processes of this profile now use it; stop with Ctrl+C.", flush=True)
            try:
                server.serve_forever()
            finally:
                server.shutdown()
        return 0

    return with_profile(args, serve)
