"""How the key ceremony dialog hands each share to its holder, and why it is built this way.

Threading. `create_cold_vault` is one synchronous call that generates the key, splits it, then calls the deliverer
once per holder, in order, and writes the vault's rows only at the very end. It runs as one command on the serial
lane (a worker thread), so the GUI thread never waits on scrypt (about half a second per share file) nor on the
database. A holder who takes their share as words must read it on screen, which only the GUI thread may draw; so
`GuidedDeliverer`, on the worker, hands that holder's words to the GUI through `WordsRelay` (a queued signal) and
blocks on a queue until the dialog answers: "I have written them down" (go on to the next holder) or Cancel (raise
`UserCancelled`). The worker also wakes every 100 ms to look at a cancellation flag, so that closing the dialog,
or the whole window, always ends the ceremony. A cancel or any failure propagates out of `create_cold_vault`, which
then removes every share file it wrote and keeps no row: nothing of the ceremony is left.

Keeping the whole ceremony on the worker (rather than generating on the GUI thread and encrypting elsewhere) keeps
the core's guarantees in one place: the key lives and is wiped inside `create_cold_vault`, and the GUI thread only
ever sees one holder's words, for as long as that holder reads them. The serial lane is held while a holder reads;
that is what a ceremony is (nothing else should write on this signer meanwhile), and the dialog is modal.

Shares as files go through the core's own `ShareFileWriter`, on the worker, one holder at a time with progress.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ui.signals import emit

if TYPE_CHECKING:
    from wallet_app.cold.ceremony import Delivered, Handout

WORDS = "words"  # wallet_app.cold.store.DELIVERY_WORDS
FILE = "file"  # wallet_app.cold.store.DELIVERY_FILE
POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class HolderPlan:
    """How one holder takes their share: as words on this screen, or as an encrypted file under their passphrase."""

    name: str
    delivery: str  # WORDS or FILE
    passphrase: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class WordsTurn:
    """One holder's turn to read their share (handed to the GUI thread)."""

    number: int  # from 1
    count: int
    threshold: int
    holder: str
    words: tuple[str, ...] = field(repr=False)


class WordsRelay(QObject):
    """Carries one holder's words from the ceremony's worker to the dialog, and the holder's answer back. Lives on
    the GUI thread; `hand_over` is called on the worker and blocks until `written` or `cancel`."""

    sig_words_wanted = Signal(object)
    """A holder's turn to read their share; carries a WordsTurn (connected queued: handled on the GUI thread)."""
    sig_progress = Signal(int, str)
    """A share file is being written or was written; carries the holder's index (from 0) and what happens."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._answers: queue.Queue[bool] = queue.Queue()
        self.cancelled = threading.Event()

    # -- on the worker ---------------------------------------------------------------------------------------------
    def hand_over(self, turn: WordsTurn) -> bool:
        """Show `turn` and wait for the holder; True once they wrote the words down, False when cancelled."""
        while not self._answers.empty():  # an answer left from a turn that was cancelled cannot count for this one
            self._answers.get_nowait()
        if self.cancelled.is_set() or not self._tell("sig_words_wanted", turn):
            return False
        while not self.cancelled.is_set():
            try:
                return self._answers.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
        return False

    def progress(self, index: int, text: str) -> None:
        self._tell("sig_progress", index, text)

    def _tell(self, signal: str, *args: object) -> bool:
        try:
            emit(getattr(self, signal), *args)
        except RuntimeError:  # the dialog, and this relay with it, is gone: stop the ceremony
            self.cancelled.set()
            return False
        return True

    # -- on the GUI thread -----------------------------------------------------------------------------------------
    def written(self) -> None:
        self._answers.put(True)

    def cancel(self) -> None:
        self.cancelled.set()
        self._answers.put(False)


class GuidedDeliverer:
    """A `Deliverer` (wallet_app.cold.ceremony) for holders who each chose words or a file: words through `relay`
    to the dialog, files through the core's ShareFileWriter into `directory`. Called on the ceremony's worker."""

    def __init__(self, plans: Sequence[HolderPlan], directory: Path | None, relay: WordsRelay) -> None:
        self._plans = tuple(plans)
        self._directory = directory
        self._relay = relay
        self._write: Callable[[Handout], Delivered] | None = None

    def prepare(self, holders: Sequence[str], share_count: int) -> None:
        """Refuse, before the key exists, what would fail later: a missing, short or repeated passphrase, no folder,
        a share file that exists already."""
        from wallet_app.cold.ceremony import ShareFileWriter
        from wallet_app.cold.share_file import ShareFileError, check_new_passphrase, share_file_name

        if len(self._plans) != share_count:
            raise ShareFileError(f"{share_count} holders, but {len(self._plans)} ways of delivering their shares")
        files = [(i, p) for i, p in enumerate(self._plans) if p.delivery == FILE]
        if not files:
            return
        if self._directory is None or not self._directory.is_dir():
            raise ShareFileError("Choose an existing folder for the share files")
        passphrases = [p.passphrase for _i, p in files]
        for passphrase in passphrases:
            check_new_passphrase(passphrase)
        if len(set(passphrases)) != len(passphrases):
            raise ShareFileError("Two holders were given the same passphrase; each officer chooses their own")
        taken = [name for i, _p in files
                 if (self._directory / (name := share_file_name(i, share_count, holders[i]))).exists()]
        if taken:
            raise ShareFileError(f"{', '.join(taken)} exist{'s' if len(taken) == 1 else ''} in {self._directory} "
                                 "already; share files are never overwritten")
        # Indexed by member index; the holders who take words have no file, so no passphrase.
        self._write = ShareFileWriter(self._directory, [p.passphrase for p in self._plans])

    def __call__(self, handout: Handout) -> Delivered:
        from wallet_app.cold.ceremony import Delivered
        from wallet_app.cold.share_file import ShareFileError
        from wallet_app.errors import UserCancelled

        if self._relay.cancelled.is_set():
            raise UserCancelled()
        index = handout.member_index
        if self._plans[index].delivery == FILE:
            if self._write is None:
                raise ShareFileError("The share files were not prepared; nothing was kept")
            self._relay.progress(index, "writing")
            delivered = self._write(handout)
            self._relay.progress(index, "written")
            return delivered
        turn = WordsTurn(index + 1, handout.share_count, handout.threshold, handout.holder,
                         tuple(handout.words.split()))
        if not self._relay.hand_over(turn):
            raise UserCancelled()
        self._relay.progress(index, "shown")
        return Delivered(WORDS)
