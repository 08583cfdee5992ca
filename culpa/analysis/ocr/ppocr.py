"""PP-OCR (Baidu's PaddleOCR models) through RapidOCR and onnxruntime, fully offline.

On real Chinese material it reads far better than Tesseract: on a phone photo of
a 1960s printed transcript Tesseract's character error rate was about 30 %, PP-OCR's
a few per cent, and it reads the traditional glyphs mixed into simplified print
(``bench/ocr_real.py`` has the figures). The models (PP-OCRv6 small detection and
recognition, a direction classifier) ship inside the ``rapidocr`` wheel; nothing is
downloaded. onnxruntime writes a device-id file under ``~/.cache`` when imported
unless told not to first (:mod:`culpa.analysis.onnx`).

Settings, measured on the real pages: detection loosened (the defaults found only
10 of 27 lines on a phone photo) and run on the whole page up to 2,400 px a side;
a 1-bit scan is smoothed with a 3 px Gaussian first (on the raw black-and-white
pixels whole lines came out as four wrong characters at 0.46 confidence, and
correct at 0.99 after smoothing).
"""

from __future__ import annotations

import functools
import importlib.metadata
import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import cv2
import numpy as np

from culpa.analysis.ocr.engine import GreyArray, OcrLine, OcrWord
from culpa.analysis.ocr.slots import ocr_slot
from culpa.analysis.ocr.text import is_cjk
from culpa.analysis.onnx import silence_onnxruntime

#: Detection parameters (see the module doc): side limit, pixel and box thresholds, box growth.
DETECTION_PARAMS: dict[str, Any] = {
    "Det.limit_side_len": 2400,
    "Det.limit_type": "max",
    "Det.thresh": 0.2,
    "Det.box_thresh": 0.3,
    "Det.unclip_ratio": 1.8,
}
#: Images are scaled to at most this many pixels a side before anything else
#: (RapidOCR's default is 2,000, which shrinks a 300 dpi A4 page's characters).
MAX_SIDE = 3600
#: Lines read with a lower score than this are dropped as noise (0-1).
MIN_LINE_SCORE = 0.3
#: A line box this much taller than wide, holding two or more characters, is a column.
VERTICAL_RATIO = 1.5
#: Share of pure black or white pixels above which a page counts as a 1-bit scan.
BINARY_SHARE = 0.97


class PpOcrEngine:
    """PP-OCRv6 detection and recognition (Chinese, simplified and traditional, and English)."""

    name: ClassVar[str] = "ppocr"

    def available(self) -> bool:
        try:
            _version()
        except importlib.metadata.PackageNotFoundError:
            return False
        return True

    def describe(self, languages: Sequence[str]) -> str:
        return f"ppocr rapidocr-{_version()} PP-OCRv6-small"

    def read(self, pixels: GreyArray, languages: Sequence[str], dpi: int | None) -> list[OcrLine]:
        image = _for_detection(pixels)
        with ocr_slot():
            output = _thread_engine()(image)
        boxes = getattr(output, "boxes", None)
        if boxes is None:
            return []
        chars = getattr(output, "word_results", None) or [()] * len(boxes)
        lines: list[OcrLine] = []
        for box, text, score, line_chars in zip(
            boxes, output.txts, output.scores, chars, strict=False
        ):
            if float(score) < MIN_LINE_SCORE or not text.strip():
                continue
            line = _line(np.asarray(box, dtype=np.float64), text, float(score), line_chars)
            if line is not None:
                lines.append(line)
        return lines


def _for_detection(pixels: GreyArray) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The page as the 3-channel image RapidOCR takes, a 1-bit scan smoothed first."""
    sample = pixels[::4, ::4]
    extremes = np.count_nonzero((sample == 0) | (sample == 255))
    if sample.size and extremes / sample.size >= BINARY_SHARE:
        pixels = np.asarray(cv2.GaussianBlur(pixels, (3, 3), 0), dtype=np.uint8)
    return np.asarray(cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def _line(box: np.ndarray[Any, Any], text: str, score: float, chars: Any) -> OcrLine | None:
    """One detected line as words with boxes: a box per Chinese character, per Latin word."""
    xs, ys = box[:, 0], box[:, 1]
    x0, y0, x1, y1 = float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return None
    vertical = (y1 - y0) > VERTICAL_RATIO * (x1 - x0) and len(visible) >= 2
    char_boxes: list[tuple[float, float, float, float, float]] = []
    if chars and len(chars) == len(visible):
        for _char, char_score, points in chars:
            p = np.asarray(points, dtype=np.float64)
            char_boxes.append(
                (
                    float(p[:, 0].min()),
                    float(p[:, 1].min()),
                    float(p[:, 0].max()),
                    float(p[:, 1].max()),
                    float(char_score) * 100,
                )
            )
    else:  # no usable character boxes: share the line's box out evenly
        count = len(visible)
        for index in range(count):
            if vertical:
                top = y0 + (y1 - y0) * index / count
                bottom = y0 + (y1 - y0) * (index + 1) / count
                char_boxes.append((x0, top, x1, bottom, score * 100))
            else:
                left = x0 + (x1 - x0) * index / count
                right = x0 + (x1 - x0) * (index + 1) / count
                char_boxes.append((left, y0, right, y1, score * 100))
    return OcrLine(words=tuple(_words(text, char_boxes)), vertical=vertical)


def _words(text: str, char_boxes: list[tuple[float, float, float, float, float]]) -> list[OcrWord]:
    """Group characters into words: each CJK character alone, Latin runs up to a space."""
    words: list[OcrWord] = []
    run: list[tuple[str, tuple[float, float, float, float, float]]] = []

    def flush() -> None:
        if run:
            boxes = [b for _, b in run]
            words.append(
                OcrWord(
                    text="".join(c for c, _ in run),
                    x0=min(b[0] for b in boxes),
                    y0=min(b[1] for b in boxes),
                    x1=max(b[2] for b in boxes),
                    y1=max(b[3] for b in boxes),
                    confidence=min(b[4] for b in boxes),
                )
            )
            run.clear()

    boxes = iter(char_boxes)
    for char in text:
        if char.isspace():
            flush()
            continue
        char_box = next(boxes)
        if is_cjk(char):
            flush()
            run.append((char, char_box))
            flush()
        else:
            run.append((char, char_box))
    flush()
    return words


_local = threading.local()


def _thread_engine() -> Any:
    """This thread's RapidOCR instance (it keeps per-call settings on itself)."""
    engine = getattr(_local, "engine", None)
    if engine is None:
        silence_onnxruntime()  # before rapidocr imports onnxruntime
        from rapidocr import RapidOCR

        engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.text_score": MIN_LINE_SCORE,
                "Global.max_side_len": MAX_SIDE,
                "Global.return_word_box": True,
                "Global.return_single_char_box": True,
                "Global.use_cls": False,
                # One thread each: the ingest already runs one OCR per core.
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                # onnxruntime's memory arena: 13 % faster a page (4.5 s against 5.2 s).
                "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
                **DETECTION_PARAMS,
            }
        )
        _local.engine = engine
    return engine


@functools.cache
def _version() -> str:
    return importlib.metadata.version("rapidocr")
