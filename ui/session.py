"""Drives the main window from start-up to live data, and keeps it fresh.

Order (the window is already on screen):
1. serial lane: `open_profile(home, name)` and `profile.load_vault_snapshot()` -> paint the saved vaults, marked
   as cached;
2. serial lane: `build_services(profile)` (this is where the chain stack is imported); the Keys page then gets
   `services.keys` and reads the keys (parallel lane) and locks idle ones (serial lane, every 15 s);
3. parallel lane: `network.fetch_status()`; once it says CONNECTED (right chain, a block height),
   `vaults.fetch_vaults()` -> paint live data. Reading the vaults only after a good status means data from a
   wrong chain is never painted as live, and a dead node gives one dialog, not two;
4. poll the status every few seconds; read the vaults again whenever the block height moved past them.

Failures leave the window usable: it says "Disconnected" and why, keeps whatever data it had, and the one
presenter shows a dialog. Nothing here writes anything (the Keys page's commands do, on the serial lane).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from ui.counterparty_sources import counterparty_sources
from ui.dialogs.evidence_dialog import evidence_desk
from ui.errors import one_line
from ui.key_service import KeyServiceLike
from ui.main_window import MainWindow, ProfileView, SnapshotView
from ui.pages.history_page import HistoryServiceLike
from ui.pages.holdings_page import HoldingsServiceLike
from ui.pages.holdings_statement import statement_recorder
from ui.pages.holdings_storage import storage_report_reader
from ui.signals import emit
from ui.tasks import TaskRunner
from wallet_app.domain.network import ChainStatus, ConnectionState
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import ChainIdMismatch, NodeUnreachable

log = logging.getLogger(__name__)


class LabelView(Protocol):
    @property
    def label(self) -> str: ...


class ProfileLike(ProfileView, Protocol):
    def load_vault_snapshot(self) -> SnapshotView | None: ...
    def load_labels(self) -> Mapping[str, LabelView]: ...


class VaultReader(Protocol):
    def fetch_vaults(self) -> list[VaultInfo]: ...


class NetworkMonitor(Protocol):
    def fetch_status(self) -> ChainStatus: ...


class ServicesLike(Protocol):
    """The parts of `wallet_app.services.Services` the session uses."""

    @property
    def vaults(self) -> VaultReader: ...
    @property
    def network(self) -> NetworkMonitor: ...
    @property
    def keys(self) -> KeyServiceLike: ...
    @property
    def holdings(self) -> HoldingsServiceLike: ...
    @property
    def history(self) -> HistoryServiceLike: ...
    def close(self) -> None: ...


OpenProfile = Callable[[Path | None, str], ProfileLike]


class PeekView(ProfileView, Protocol):
    @property
    def snapshot(self) -> SnapshotView | None: ...


PeekProfile = Callable[[Path | None, str], PeekView | None]
BuildServices = Callable[[Any], ServicesLike]


def default_open_profile(home: Path | None, name: str) -> ProfileLike:
    from wallet_app.profiles import open_profile  # light: config and database, no chain stack

    return open_profile(home, name)


def default_peek_profile(home: Path | None, name: str) -> PeekView | None:
    from wallet_app.profile_peek import peek_profile  # standard library only: settings and saved snapshot

    return peek_profile(home, name)


def default_build_services(profile: Any) -> ServicesLike:
    from wallet_app.services import build_services  # heavy: imports web3 and opens the devnet

    return build_services(profile)


class WalletSession(QObject):
    sig_snapshot_shown = Signal(int)
    """The saved vaults were painted; carries the block they are from."""
    sig_live_data_shown = Signal(int)
    """Vaults read from the chain were painted; carries how many."""
    sig_status_shown = Signal(object)
    """A `ChainStatus` was shown in the status bar."""
    sig_load_failed = Signal(object)
    """Start-up could not reach live data (profile, services, node or first read failed); carries the reason."""

    def __init__(
        self,
        *,
        window: MainWindow,
        runner: TaskRunner,
        home: Path | None,
        profile_name: str,
        open_profile: OpenProfile = default_open_profile,
        build_services: BuildServices = default_build_services,
        peek_profile: PeekProfile | None = None,
        status_interval_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._runner = runner
        self._home = home
        self._profile_name = profile_name
        self._open_profile = open_profile
        self._build_services = build_services
        self._peek_profile = peek_profile
        self._snapshot_shown = False
        self._profile_shown = False
        self._profile: ProfileLike | None = None
        self._services: ServicesLike | None = None
        self._built: list[ServicesLike] = []  # written and read on the serial lane only
        self._opened: list[ProfileLike] = []  # likewise
        self._built_lock = threading.Lock()
        self._phase = "idle"  # idle, opening, connecting, ready, failed, closed
        self._last_state: ConnectionState | None = None
        self._last_block: int | None = None
        self._vaults_block: int | None = None
        self._live_shown = False
        self._status_in_flight = False
        self._vaults_in_flight = False
        self._status_failing = False
        self._vault_error_shown = False
        self._vaults_wanted = False
        self._timer = QTimer(self)
        self._timer.setInterval(status_interval_ms)
        self._timer.timeout.connect(self._poll_status)
        window.sig_refresh_requested.connect(self.refresh)
        window.vaults_page.sig_vaults_changed.connect(self.refresh)  # a vault was added or deployed
        window.proofs_page.set_runner(runner)  # checking a bundle needs no profile at all

    @property
    def phase(self) -> str:
        return self._phase

    @property
    def services(self) -> ServicesLike | None:
        return self._services

    # -- start-up -------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._phase in ("opening", "connecting", "closed"):
            return
        self._phase = "opening"
        if self._peek_profile is not None:
            peek, home_, name_ = self._peek_profile, self._home, self._profile_name
            # Paint the saved vaults first; failures are silent here because opening the profile reports them.
            self._runner.command(lambda: peek(home_, name_)).with_owner(self._window).on_success(
                self._peeked
            ).on_failure(lambda _exc: None).run()
        home, name, opener, opened, lock = (
            self._home,
            self._profile_name,
            self._open_profile,
            self._opened,
            self._built_lock,
        )

        def open_and_load() -> tuple[ProfileLike, SnapshotView | None, dict[str, str], Exception | None]:
            profile = opener(home, name)
            with lock:
                opened.append(profile)  # so that close() can close it (its database) at exit
            try:
                names = {address: entry.label for address, entry in profile.load_labels().items()}
                return profile, profile.load_vault_snapshot(), names, None
            except Exception as exc:  # an unreadable snapshot must not stop us from reading the chain
                return profile, None, {}, exc

        (
            self._runner.command(open_and_load)
            .with_owner(self._window)
            .on_success(self._profile_opened)
            .on_failure(self._start_failed)
            .run()
        )

    def _peeked(self, peek: PeekView | None) -> None:
        if peek is None or self._phase != "opening":
            return
        self._window.show_profile(peek)
        self._profile_shown = True
        if peek.snapshot is not None:
            self._show_snapshot(peek.snapshot)

    def _show_snapshot(self, snapshot: SnapshotView) -> None:
        self._snapshot_shown = True
        self._window.show_cached(snapshot)
        emit(self.sig_snapshot_shown, snapshot.block_number)

    def _profile_opened(
        self, result: tuple[ProfileLike, SnapshotView | None, dict[str, str], Exception | None]
    ) -> None:
        profile, snapshot, names, snapshot_error = result
        self._profile = profile
        if not self._profile_shown:
            self._window.show_profile(profile)
        self._window.vaults_page.set_address_names(names)
        self._window.policy_page.set_address_names(names)
        if snapshot is not None and not self._snapshot_shown:
            self._show_snapshot(snapshot)
        if snapshot_error is not None:
            self._runner.present(snapshot_error, self._window)
        self._connect()

    def _connect(self) -> None:
        self._phase = "connecting"
        profile, build, built, lock = self._profile, self._build_services, self._built, self._built_lock

        def build_and_keep() -> ServicesLike:
            services = build(profile)
            with lock:
                built.append(services)  # so that close() can close it even if the GUI never received it
            return services

        (
            self._runner.command(build_and_keep)
            .with_owner(self._window)
            .on_success(self._services_ready)
            .on_failure(self._start_failed)
            .run()
        )

    def _start_failed(self, exc: BaseException) -> None:
        self._phase = "failed"
        self._window.show_failure(one_line(exc))
        emit(self.sig_load_failed, exc)

    def _services_ready(self, services: ServicesLike) -> None:
        if self._phase == "closed":
            return
        self._services = services
        self._phase = "ready"
        self._timer.start()
        if not self._window.investor_view:  # the investor view has no keys on screen at all
            self._window.keys_page.attach(services.keys, self._runner)  # reads the keys
        preset = self._profile.preset if self._profile is not None else None
        self._window.holdings_page.attach(  # read at the first good status
            services.holdings,
            self._runner,
            chain_id=preset.chain_id if preset is not None else None,
            network=preset.name if preset is not None else "",
        )
        tokens = getattr(services, "tokens", None)  # the token registry; approving signs, so no investor view
        if tokens is not None and not self._window.investor_view:
            self._window.holdings_page.attach_tokens(tokens)
        if not self._window.investor_view and hasattr(services.vaults, "add_vault"):  # deploying signs
            self._window.vaults_page.attach(services.vaults, self._runner,  # type: ignore[arg-type]
                                            load_keys=services.keys.load_keys)
        policy = getattr(services, "policy", None)  # proposing and approving sign: never in the investor view
        if policy is not None and not self._window.investor_view:
            self._window.policy_page.attach(policy, getattr(services, "policy_checker", None), self._runner,
                                            load_keys=services.keys.load_keys)
            self._window.holdings_page.attach_storage(storage_report_reader(policy, services.holdings))
        if not self._window.investor_view and getattr(services, "queue", None) is not None:
            from ui.queue_wiring import attach_queue  # the Approvals page and queue notifications; they sign

            attach_queue(self._window, services, self._runner)
        if not self._window.investor_view:  # counterparty records and ownership proofs: compliance officers only
            self._window.counterparties_page.attach(counterparty_sources(services), self._runner)
        audit = getattr(services, "audit", None)  # the audit log: who did what; not in the investor view
        if audit is not None:
            core_profile = getattr(services, "profile", None)  # its chain id, also on a custom network
            chain_id = core_profile.config.chain_id if core_profile is not None else \
                preset.chain_id if preset is not None else 0
            self._window.holdings_page.record_export = statement_recorder(audit, chain_id)  # kept, and logged
            if not self._window.investor_view:
                self._window.audit_page.attach(audit, self._runner, evidence=evidence_desk(services))
        self._window.proofs_page.attach(getattr(services, "proofs", None), services.holdings, self._runner)
        if audit is not None:
            self._window.proofs_page.record_export = lambda account, fmt, path: audit.record_export(
                kind="ownership proof", fmt=fmt, path=path, subject=account)
        # The History tab reads when it is on screen (serial lane: it syncs the history index).
        self._window.history_page.attach(services.history, self._runner, services.holdings.load_accounts,
                                         value_history=getattr(services, "value_history", None))
        self._vaults_wanted = True
        self._poll_status()

    # -- refreshing -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read everything again; after a failed start, try the failed step again."""
        if self._phase in ("opening", "connecting", "closed"):
            return
        if self._profile is None:
            self.start()
        elif self._services is None:
            self._connect()
        else:
            self._vaults_wanted = True  # read them at the next good status, whatever the block
            self._poll_status()
            if not self._window.investor_view:
                self._window.keys_page.reload()
                self._window.policy_page.refresh()  # only if it is on screen
                self._window.audit_page.refresh()  # likewise
                self._window.approvals_page.refresh()  # likewise
                self._window.counterparties_page.refresh()  # likewise
            self._window.holdings_page.refresh()

    def _poll_status(self) -> None:
        if self._runner.is_shut_down or not shiboken6.isValid(self._window):
            self._timer.stop()  # the application is going away
            return
        if self._services is None or self._status_in_flight:
            return
        self._status_in_flight = True
        (
            self._runner.query(self._services.network.fetch_status)
            .with_key((id(self), "status"))
            .with_owner(self._window)
            .on_success(self._status_arrived)
            .on_failure(self._status_failed)
            .quietly()
            .run()
        )

    def _status_arrived(self, status: ChainStatus) -> None:
        self._status_in_flight = False
        self._status_failing = False
        previous, self._last_state = self._last_state, status.state
        if status.block_number is not None:
            self._last_block = status.block_number
        self._window.show_status(status)
        emit(self.sig_status_shown, status)
        if status.state is ConnectionState.CONNECTED:
            # Vaults are read only after the node proved to be the right chain, and again on each new block.
            new_block = self._last_block is not None and (
                self._vaults_block is None or self._last_block > self._vaults_block
            )
            if new_block or self._vaults_wanted:
                self._vaults_wanted = False
                self._fetch_vaults()
            self._window.holdings_page.follow_block(self._last_block)  # coalesced: one fetch at a time
            return
        if status.state is not previous and status.state in (
            ConnectionState.DISCONNECTED,
            ConnectionState.WRONG_CHAIN,
        ):
            problem = self._status_problem(status)
            self._runner.present(problem, self._window)
            if not self._live_shown:
                emit(self.sig_load_failed, problem)

    @staticmethod
    def _status_problem(status: ChainStatus) -> Exception:
        if status.state is ConnectionState.WRONG_CHAIN:
            return ChainIdMismatch(status.message or f"The node is not on {status.network_name}.")
        return NodeUnreachable(status.message or f"Cannot reach the node at {status.endpoint}.")

    def _status_failed(self, exc: BaseException) -> None:
        self._status_in_flight = False
        if not self._status_failing:  # one dialog per run of failures, not one every few seconds
            self._status_failing = True
            self._runner.present(exc, self._window)

    def _fetch_vaults(self) -> None:
        if self._services is None or self._vaults_in_flight:
            return
        self._vaults_in_flight = True
        (
            self._runner.query(self._services.vaults.fetch_vaults)
            .with_key((id(self), "vaults"))
            .with_owner(self._window)
            .on_success(self._vaults_arrived)
            .on_failure(self._vaults_failed)
            .quietly()
            .run()
        )

    def _vaults_arrived(self, vaults: list[VaultInfo]) -> None:
        self._vaults_in_flight = False
        self._vault_error_shown = False
        blocks = [v.block_number for v in vaults]
        self._vaults_block = max(blocks) if blocks else (self._last_block or 0)
        self._window.show_live(vaults, self._vaults_block)
        first = not self._live_shown
        self._live_shown = True
        if first:
            emit(self.sig_live_data_shown, len(vaults))
        if self._last_block is not None and self._last_block > self._vaults_block:
            self._fetch_vaults()  # a block arrived while we were reading

    def _vaults_failed(self, exc: BaseException) -> None:
        self._vaults_in_flight = False
        self._window.show_refresh_failed(one_line(exc))
        connectivity = isinstance(exc, NodeUnreachable | ChainIdMismatch)
        if not connectivity and not self._vault_error_shown:  # the status poll reports connectivity itself
            self._vault_error_shown = True
            self._runner.present(exc, self._window)
        if not self._live_shown:
            emit(self.sig_load_failed, exc)

    # -- shutting down --------------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop polling and close the services on the serial lane, after any command still queued there."""
        if self._phase == "closed" or not shiboken6.isValid(self):
            return
        self._phase = "closed"
        self._timer.stop()
        if shiboken6.isValid(self._window):
            self._window.keys_page.detach()  # no more idle checks on services that are closing
            self._window.holdings_page.detach()
            self._window.history_page.detach()
            self._window.policy_page.detach()
            self._window.vaults_page.detach()
            self._window.audit_page.detach()
            self._window.proofs_page.detach()
            self._window.approvals_page.detach()  # and its notifier stops polling
            self._window.counterparties_page.detach()
        if self._runner.is_shut_down:
            return
        built, opened, lock = self._built, self._opened, self._built_lock

        def close_built() -> None:
            with lock:
                to_close: list[Any] = [*built, *opened]  # services first: they use the profile's database
                built.clear()
                opened.clear()
            for thing in to_close:
                close = getattr(thing, "close", None)  # Profile.close is optional in the contract
                if close is None:
                    continue
                try:
                    close()
                except Exception:
                    log.exception("closing %s failed", type(thing).__name__)

        self._runner.command(close_built).quietly().run()
