"""An animated QR code: the endless frames of `wallet_app.offline.transport.Animation` (the parts of one or more URs,
fountain-coded), shown one after another for a camera on the other side of an air gap.

Drawing a frame (`ui.widgets.proof_qr.qr_image`) takes 30 ms at 200 bytes a frame and over 100 ms at 1000, so the
frames are drawn on a small worker thread of this widget a few frames ahead, into a bounded buffer (QImage is safe
off the GUI thread); the GUI thread's timer only takes the next image and scales it. If drawing falls behind, a tick
is skipped: the animation slows down, the window never freezes.

The code is scaled by a whole number of screen pixels per module, on a white quiet zone of four modules, so that the
modules stay crisp. The person may change the bytes per frame (smaller frames are easier for a poor camera, larger
ones finish sooner; changing it starts the animation again), the speed, and pause it. A UR that fits one frame is
shown still.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget

from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from wallet_app.offline.transport import DEFAULT_FRAGMENT, DEFAULT_FRAMES_PER_SECOND, Animation
from wallet_app.ur.ur import UR

MIN_FRAGMENT, MAX_FRAGMENT, FRAGMENT_STEP = 100, 1000, 50
MIN_SPEED, MAX_SPEED = 1, 10
MIN_CODE_SIDE = 360  # pixels: at 200 bytes a frame (77 modules with the quiet zone) that is 4 pixels a module
MAX_SCALE = 10
AHEAD = 6  # frames drawn ahead of the one on screen


@dataclass(frozen=True, slots=True)
class _Frame:
    generation: int
    text: str
    image: QImage  # one pixel a module, quiet zone included


class _FrameMaker:
    """Draws the frames of one animation on a daemon thread into a bounded queue; `stop` ends it. Holds no widget."""

    def __init__(self, animation: Animation, generation: int, count: int | None) -> None:
        self.frames: queue.Queue[_Frame] = queue.Queue(maxsize=AHEAD)
        self._animation = animation
        self._generation = generation
        self._count = count  # None: endless
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="custos-animated-qr", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from ui.widgets.proof_qr import qr_image

        made = 0
        while not self._stop.is_set() and (self._count is None or made < self._count):
            text = self._animation.next_frame()
            frame = _Frame(self._generation, text, qr_image(text, scale=1))
            made += 1
            while not self._stop.is_set():
                try:
                    self.frames.put(frame, timeout=0.2)
                    break
                except queue.Full:
                    continue


class AnimatedQr(QWidget):
    sig_frame_shown = Signal(int)
    """A frame was put on screen; carries its number since the animation (re)started, from 1."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animatedQr")
        self._urs: tuple[UR, ...] = ()
        self._maker: _FrameMaker | None = None
        self._generation = 0
        self._cycle = 0
        self._shown = 0
        self._text = ""
        self._source: QImage | None = None  # the frame on screen, one pixel a module
        self._image = QImage()  # as drawn on screen
        self._paused = False
        self.code = QLabel()
        self.code.setObjectName("animatedQrCode")
        self.code.setTextFormat(Qt.TextFormat.PlainText)  # it shows only an image
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setStyleSheet("background: white;")  # a code must stay dark on light to be read
        self.code.setMinimumSize(QSize(MIN_CODE_SIDE, MIN_CODE_SIDE))
        self.code.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.position = PlainLabel()
        self.position.setObjectName("animatedQrPosition")
        self.position.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.position.setWordWrap(True)
        self.frame_size = QSpinBox()
        self.frame_size.setObjectName("animatedQrFrameSize")
        self.frame_size.setRange(MIN_FRAGMENT, MAX_FRAGMENT)
        self.frame_size.setSingleStep(FRAGMENT_STEP)
        self.frame_size.setValue(DEFAULT_FRAGMENT)
        self.frame_size.setSuffix(" bytes")
        self.frame_size.setToolTip("Bytes of the request in each frame: smaller frames are easier for a poor camera "
                                   "to read, larger ones need fewer frames. Changing it starts the animation again.")
        self.speed = QSpinBox()
        self.speed.setObjectName("animatedQrSpeed")
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setValue(DEFAULT_FRAMES_PER_SECOND)
        self.speed.setSuffix(" frames/s")
        self.speed.setToolTip("How many frames are shown each second")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("animatedQrPause")
        self.pause_button.setToolTip("Hold the frame on screen (and go on again)")
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.step)
        settings = QHBoxLayout()
        settings.addWidget(PlainLabel("Frame size:"))
        settings.addWidget(self.frame_size)
        settings.addSpacing(12)
        settings.addWidget(PlainLabel("Speed:"))
        settings.addWidget(self.speed)
        settings.addStretch(1)
        settings.addWidget(self.pause_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.position)
        layout.addLayout(settings)
        self.frame_size.valueChanged.connect(lambda _v: self._restart())
        self.speed.valueChanged.connect(lambda _v: self._set_interval())
        self.pause_button.clicked.connect(lambda: self.resume() if self._paused else self.pause())
        self._set_interval()
        self._describe()
        holder: list[_FrameMaker | None] = [None]
        self._holder = holder  # the worker, reachable without `self` when the widget is destroyed
        self.destroyed.connect(lambda *_a: holder[0].stop() if holder[0] is not None else None)

    # -- what the owner calls -------------------------------------------------------------------------------------
    def set_urs(self, urs: Sequence[UR]) -> None:
        """Show the frames of `urs` (interleaved), from the first."""
        self._urs = tuple(urs)
        self._restart()

    def set_frame_size(self, size: int) -> None:
        self.frame_size.setValue(size)

    def set_speed(self, frames_per_second: int) -> None:
        self.speed.setValue(frames_per_second)

    def pause(self) -> None:
        self._paused = True
        self._timer.stop()
        self.pause_button.setText("Resume")
        self._describe()

    def resume(self) -> None:
        self._paused = False
        self.pause_button.setText("Pause")
        self._run_timer()
        self._describe()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def frames_shown(self) -> int:
        """Frames put on screen since the animation (re)started."""
        return self._shown

    @property
    def cycle_length(self) -> int:
        """Frames that show every part of every UR once (0 before `set_urs`)."""
        return self._cycle

    @property
    def still(self) -> bool:
        """Whether everything fits one frame (shown still)."""
        return self._cycle == 1

    def current_text(self) -> str:
        """The text of the frame on screen ("" before the first)."""
        return self._text

    def current_image(self) -> QImage:
        """The frame on screen as drawn (whole pixels a module, quiet zone included)."""
        return QImage(self._image)

    def step(self) -> bool:
        """Put the next drawn frame on screen; False when none is ready yet (the tick is skipped)."""
        maker = self._maker
        if maker is None:
            return False
        while True:
            try:
                frame = maker.frames.get_nowait()
            except queue.Empty:
                return False
            if frame.generation == self._generation:
                break
        self._shown += 1
        self._text = frame.text
        self._source = frame.image
        self._draw()
        self._describe()
        if self.still:
            self._timer.stop()  # one code: nothing more to show
        emit(self.sig_frame_shown, self._shown)
        return True

    # -- inside -----------------------------------------------------------------------------------------------------
    def _restart(self) -> None:
        self._stop_maker()
        self._generation += 1
        self._shown = 0
        self._text = ""
        self._source = None
        self._image = QImage()
        self.code.clear()
        if not self._urs:
            self._cycle = 0
            self._timer.stop()
            self._describe()
            return
        animation = Animation(self._urs, self.frame_size.value())
        self._cycle = animation.cycle_length
        self._maker = _FrameMaker(animation, self._generation, 1 if self.still else None)
        self._holder[0] = self._maker
        self.pause_button.setEnabled(not self.still)
        self.speed.setEnabled(not self.still)
        self._describe()
        self._run_timer()

    def _stop_maker(self) -> None:
        if self._maker is not None:
            self._maker.stop()
            self._maker = None
            self._holder[0] = None

    def _set_interval(self) -> None:
        self._timer.setInterval(round(1000 / self.speed.value()))

    def _run_timer(self) -> None:
        if self._urs and not self._paused and self.isVisible() and not (self.still and self._shown):
            if self._shown == 0:
                QTimer.singleShot(40, self, self.step)  # the first frame as soon as it is drawn
            self._timer.start()

    def _draw(self) -> None:
        if self._source is None:
            return
        side = self._source.width()
        room = self.code.contentsRect()
        scale = max(2, min(MAX_SCALE, min(room.width(), room.height(), 4000) // max(side, 1)))
        self._image = self._source.scaled(side * scale, side * scale, Qt.AspectRatioMode.IgnoreAspectRatio,
                                          Qt.TransformationMode.FastTransformation)
        self.code.setPixmap(QPixmap.fromImage(self._image))

    def _describe(self) -> None:
        if not self._urs:
            self.position.setText("Nothing to show yet")
        elif self.still:
            self.position.setText("One code: everything fits a single frame")
        else:
            parts = f"the request has {self._cycle} part{'s' if self._cycle != 1 else ''} per cycle"
            number = f"frame {self._shown}" if self._shown else "drawing the first frame…"
            self.position.setText(f"{number} ({parts}){' — paused' if self._paused else ''}")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._draw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._run_timer()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()  # no frames for nobody; the worker waits on its full buffer
