"""Reading QR codes from a camera: a live picture (Qt Multimedia) and, a few times a second, the latest frame decoded
with zxing-cpp on a worker lane of the task runner, never on the GUI thread; one frame at a time, the rest dropped, so
that a slow decode slows the reading and never the window.

Qt Multimedia is loaded only when the camera is started. Without a camera, or when the camera cannot be opened (another
program holds it, the system refused access), the view says so in words and the dialog around it keeps working with
images and files.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLoggingCategory, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QStackedLayout, QWidget

from ui.signals import emit
from ui.widgets.plain_label import PlainLabel
from ui.widgets.proof_qr import decode_qr_image as decode_image

if TYPE_CHECKING:
    from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

NO_CAMERA = "No camera was found: read the codes from images or a file instead"
IDLE_TEXT = "The camera is off. Start it, or read the codes from images or a file."
DECODE_INTERVAL = 0.15  # seconds between two frames handed to the decoder, at most
MAX_DECODE_SIDE = 1600  # pixels: larger frames are scaled down before decoding

_quietened = False


def decode_qr_image(image: QImage) -> list[str]:
    """The text of every QR code in a camera frame (zxing-cpp, on a worker lane)."""
    return decode_image(image, max_side=MAX_DECODE_SIDE)


def _quieten_library_probing() -> None:
    """Qt Multimedia's FFmpeg backend warns, on every start, about optional acceleration libraries (VA-API,
    PipeWire) it could not load: nothing a person can act on, so that one category is silenced."""
    global _quietened
    if not _quietened:
        _quietened = True
        QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false")


def camera_names() -> list[str]:
    """The cameras the system offers (loads Qt Multimedia)."""
    _quieten_library_probing()
    from PySide6.QtMultimedia import QMediaDevices

    return [device.description() for device in QMediaDevices.videoInputs()]


class CameraView(QWidget):
    sig_codes_read = Signal(list)
    """A camera frame held QR codes; carries their texts (a list of str)."""
    sig_problem = Signal(str)
    """The camera is missing or could not be used; carries what to tell the person."""
    sig_running_changed = Signal(bool)
    """The camera started (True) or stopped (False)."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraView")
        self._runner = runner
        self._camera: Any = None
        self._session: Any = None
        self._video: Any = None
        self._decoding = False
        self._last_offer = 0.0
        self.frames_decoded = 0
        self.message = PlainLabel(IDLE_TEXT)
        self.message.setObjectName("cameraMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setFrameShape(QFrame.Shape.StyledPanel)
        self.message.setMargin(12)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.message)

    @property
    def running(self) -> bool:
        return self._camera is not None

    def start(self) -> bool:
        """Open the system's default camera; False (and `sig_problem`) when there is none or it cannot be used."""
        if self._camera is not None:
            return True
        try:
            names = camera_names()
        except ImportError:
            names = []
        if not names:
            self._say(NO_CAMERA)
            return False
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices
        from PySide6.QtMultimediaWidgets import QVideoWidget

        device = QMediaDevices.defaultVideoInput()
        camera = QCamera(device, self)
        camera.errorOccurred.connect(self._camera_failed)
        session = QMediaCaptureSession(self)
        session.setCamera(camera)
        if self._video is None:
            self._video = QVideoWidget()
            self._video.setObjectName("cameraPreview")
            self._stack.addWidget(self._video)
            self._video.videoSink().videoFrameChanged.connect(self._frame_arrived)
        session.setVideoOutput(self._video)
        self._camera, self._session = camera, session
        self._stack.setCurrentWidget(self._video)
        camera.start()
        emit(self.sig_running_changed, True)
        return True

    def stop(self, message: str = IDLE_TEXT) -> None:
        camera, session = self._camera, self._session
        self._camera = self._session = None
        if camera is not None:
            camera.stop()
            camera.deleteLater()
        if session is not None:
            session.deleteLater()
        self.message.setText(message)
        self._stack.setCurrentWidget(self.message)
        if camera is not None:
            emit(self.sig_running_changed, False)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)
        emit(self.sig_problem, text)

    def _camera_failed(self, _error: object, text: str) -> None:
        problem = (f"The camera could not be used ({text.strip() or 'no reason given'}): another program may be "
                   "using it, or access to it was refused. Read the codes from images or a file instead.")
        self.stop(problem)
        emit(self.sig_problem, problem)

    def _frame_arrived(self, frame: Any) -> None:
        """A frame from the camera (on the GUI thread): at most one in the decoder, a few a second."""
        now = time.monotonic()
        if self._camera is None or self._decoding or now - self._last_offer < DECODE_INTERVAL:
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._last_offer = now
        self._decoding = True
        (self._runner.query(lambda: decode_qr_image(image)).with_owner(self)
         .on_success(self._decoded).on_failure(self._decode_failed).quietly().run())

    def _decoded(self, texts: list[str]) -> None:
        self._decoding = False
        self.frames_decoded += 1
        if texts and self._camera is not None:
            emit(self.sig_codes_read, texts)

    def _decode_failed(self, exc: BaseException) -> None:
        self._decoding = False
        log.warning("a camera frame could not be decoded: %s", type(exc).__name__)
