"""Open the chain a profile is pinned to: the embedded devnet (in-process, or through the server that holds it)
or the profile's RPC URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wallet_app.chain.web3_client import Web3ChainClient
from wallet_app.config import ProfileConfig
from wallet_app.errors import ConfigError, DevnetBusy, DevnetCorrupt

RPC_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class OpenChain:
    client: Web3ChainClient
    close: Callable[[], None]
    # Independent providers of the same chain (the profile's further RPC URLs), asked to confirm what the first one
    # says (F2); not connected until used.
    witnesses: tuple[Web3ChainClient, ...] = ()


def open_chain(config: ProfileConfig, devnet_dir: Path) -> OpenChain:
    if config.offline:
        raise ConfigError(f"'{config.name}' is an offline signer profile: it never connects to a network")
    name = config.preset.name
    if config.preset.embedded:
        from wallet_app.chain.devnet import Devnet, DevnetProvider, find_served_endpoint

        url = find_served_endpoint(devnet_dir)
        if url is not None:
            return OpenChain(http_client(url, name), lambda: None)
        try:
            devnet = Devnet.open(devnet_dir)
        except DevnetBusy as exc:
            raise DevnetBusy(
                f"{exc.user_message} Close it, or start 'custos devnet serve' first so that several Custos "
                "processes can share the devnet.",
                detail=exc.detail,
            ) from None
        except DevnetCorrupt as exc:
            if config.demo:
                raise DevnetCorrupt(
                    f"{exc.user_message} Run 'custos demo init' to move the damaged demo profile aside and build "
                    "a new one.",
                    detail=exc.detail,
                ) from None
            raise
        return OpenChain(Web3ChainClient(provider=DevnetProvider(devnet), endpoint="in-process", network_name=name),
                         devnet.close)
    if not config.rpc_urls:
        raise ConfigError(f"The profile '{config.name}' has no RPC URL for {name}; add one with --rpc-url")
    first, *others = config.rpc_urls
    return OpenChain(http_client(first, name), lambda: None, tuple(http_client(url, name) for url in others))


def http_client(url: str, network_name: str) -> Web3ChainClient:
    import requests
    from web3 import HTTPProvider
    from web3.providers.rpc.utils import ExceptionRetryConfiguration

    # Two quick retries for reads; a down node must show as down within seconds, not after web3's default backoff.
    retry = ExceptionRetryConfiguration(
        errors=(ConnectionError, requests.ConnectionError, requests.Timeout), retries=2, backoff_factor=0.1
    )
    provider = HTTPProvider(
        url, request_kwargs={"timeout": RPC_TIMEOUT_SECONDS}, exception_retry_configuration=retry
    )
    return Web3ChainClient(provider=provider, endpoint=redact_url(url), network_name=network_name)


def redact_url(url: str) -> str:
    """The URL without credentials or query (API keys often travel there)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
