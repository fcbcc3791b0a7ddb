"""Streamlit widgets shared by both pages: cached resources, sidebar controls, result panels.

The only module of the package that imports Streamlit.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading

import streamlit as st

from emotion_app.exports import output_name
from emotion_app.faces import DETECTORS, DetectionSettings, FaceDetectorError
from emotion_app.image_io import ImageError
from emotion_app.labels import (
    EMOJI_CHAR,
    EMOTIONS,
    LANGUAGES,
    UNSURE,
    UNSURE_EMOJI,
    VALENCE,
    Valence,
    display_name,
    message_for,
    message_key,
    percent,
)
from emotion_app.memory import release_free_memory, start_trimming
from emotion_app.model import LoadedModel, ModelError, load_model
from emotion_app.overlay import ASSETS, COLORS, AssetError, Painter
from emotion_app.pool import usable_cores
from emotion_app.predictor import EmotionPredictor, FacePrediction
from emotion_app.profiles import PHOTO
from emotion_app.texts import PAGE, REASONS


def text(language: str, key: str, **values: object) -> str:
    return PAGE[language][key].format(**values)


# Which counts take the singular: English "1 face", French "0 visage", "1 visage".
SINGULAR = {"en": lambda n: n == 1, "fr": lambda n: n < 2}


def counted(language: str, key: str, n: int, **values: object) -> str:
    """``KEY_one`` or ``KEY_other`` by ``n``, as the language counts."""
    return text(language, f"{key}_{'one' if SINGULAR[language](n) else 'other'}", n=n, **values)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$=])")


def plain(value: str) -> str:
    """``value`` escaped so Streamlit's Markdown shows it as typed: a file named
    ``[click](javascript:alert(1)).png`` must not become a link.

    NOTE: colons become an HTML entity, not ``\\:``: Streamlit turns ``:material/home:`` into an icon
    before Markdown reads escapes (``&`` first, so a typed ``&#58;`` stays as typed)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", value).replace("&", "&#38;").replace(":", "&#58;")


def download_name(name: str, suffix: str) -> str:
    """The download's file name for an upload called ``name`` (the raw name, not Markdown), safe on
    every system."""
    return output_name(name, suffix)


@st.cache_resource(show_spinner=False)
def get_model() -> LoadedModel:
    """One model for every session, page and detector (the int8 twin where it is paired with the
    shipped file): read-only, thread-safe."""
    return load_model(quantized=True)


def _warm_up(predictor: EmotionPredictor) -> None:
    try:
        predictor.warm_up()
    except Exception:  # the first photo that needs the detector says why, on its page
        logging.getLogger(__name__).exception("warming up the %s detector failed", predictor.detector.name)


@st.cache_resource(show_spinner=False)
def get_predictor(detector: str, flip: bool) -> EmotionPredictor:
    """One predictor per detector and flip setting, shared by every session.

    The detector warms up in a background thread from the first page view, so no upload waits for
    it (on LiteRT that is instant; where MTCNN falls back to TensorFlow it takes seconds).
    """
    predictor = EmotionPredictor(detector=detector, model=get_model(), flip=flip)
    threading.Thread(target=_warm_up, args=(predictor,), name=f"warm-up {detector}", daemon=True).start()
    return predictor


@st.cache_resource(show_spinner=False)
def analysis_slots() -> threading.BoundedSemaphore:
    """``with ui.analysis_slots():`` around one photo's analysis: as many at once as the server has
    cores, whatever the number of sessions.

    NOTE: each analysis holds a decoded photo (up to a few hundred MB for the largest accepted) and
    uses a core; more at once than cores finishes nothing sooner and multiplies the peak memory
    (benchmarks/load_photo.py --memory)."""
    return threading.BoundedSemaphore(usable_cores())


@st.cache_resource(show_spinner=False)
def get_painter() -> Painter:
    return Painter()


def load_resources(language: str, detector: str, flip: bool = PHOTO.flip) -> tuple[EmotionPredictor, Painter]:
    """The shared predictor and painter, or a clear error on the page and a stop."""
    start_trimming()  # once per server: what ended sessions freed goes back to the system
    try:
        return get_predictor(detector, flip), get_painter()
    except ModelError as error:
        st.error(f"{text(language, 'model_error')}\n\n{error}")
    except (AssetError, FaceDetectorError) as error:
        st.error(f"{text(language, 'asset_error')}\n\n{error}")
    st.stop()
    raise AssertionError("unreachable: st.stop() raises")


def reason(error: ImageError, language: str) -> str:
    """Why ``error``'s upload cannot be read, in ``language``."""
    return REASONS[language][error.reason].format(**error.values)


VIDEOS_KEPT = 3  # analysed videos a session keeps across reruns


def show_video(name: str, data: bytes, predictor: EmotionPredictor, painter: Painter, every: int,
               language: str, key: str, settings: DetectionSettings | None = None):
    """One uploaded video: a progress bar with frames done and time left, then the annotated video,
    its downloads (MP4, CSV) and face 1's emotions over time; a clear message if it is unreadable.
    Returns its ``VideoResult`` (None if it could not be analysed), for the page's exports."""
    import time

    import pandas as pd

    from emotion_app.video import MAX_SECONDS, analyze_video

    shown = plain(name)
    bar, started = st.progress(0.0, text=text(language, "video_starting")), time.monotonic()

    def report(fraction: float | None, frames: int) -> None:
        if fraction is None:  # the file says neither its length nor its frame count
            bar.progress(0.0, text=text(language, "video_progress_unknown", frames=frames))
            return
        left = (time.monotonic() - started) * (1 - fraction) / max(fraction, 1e-6)
        bar.progress(fraction, text=text(language, "video_progress", frames=frames, left=left))

    # NOTE: every widget change reruns the page; a video costs seconds to minutes to analyse, so
    # this session keeps its last few results (in memory only, gone with the session). A language
    # switch keeps them too: the page's words change at once, and the words drawn on the frames
    # are redrawn only when asked (it costs another pass over the video).
    kept = st.session_state.setdefault("video_results", {})
    cache_key = (hashlib.sha256(data).hexdigest(), every, predictor.detector.name, settings)
    result = kept.get(cache_key)
    redraw = result is not None and result.language != language and st.session_state.get(f"redraw-{key}")
    try:
        if result is None or redraw:
            result = analyze_video(data, predictor, painter, every=every, language=language, progress=report,
                                   settings=settings, name=name)
    except ImageError as error:
        bar.empty()
        st.error(text(language, "bad_file", name=shown, reason=reason(error, language)))
        return None
    except Exception:  # a bug of ours: logged with its traceback, never shown, never blamed on the file
        logging.getLogger(__name__).exception("analysing the video %r failed", name)
        bar.empty()
        st.error(text(language, "internal_error", name=shown))
        return None
    bar.empty()
    release_free_memory()  # a video's frames were decoded in this session's thread: give them back now
    kept[cache_key] = kept.pop(cache_key, result)  # most recent last
    while len(kept) > VIDEOS_KEPT:
        kept.pop(next(iter(kept)))
    st.video(result.video, format="video/mp4")
    if result.language != language:
        st.caption(text(language, "video_other_language"))
        st.button(text(language, "video_redraw"), key=f"redraw-{key}")
    if result.incomplete:
        st.warning(text(language, "video_incomplete", name=shown, seconds=result.seconds))
    if result.cut:
        st.warning(text(language, "video_cut", name=shown, limit=MAX_SECONDS))
    st.caption(text(language, "video_done", frames=result.frames, analysed=result.analysed))
    if result.every > every or result.shown_every > 1:
        st.caption(text(language, "video_sampled", fps=result.rate, every=result.every,
                        analysed=result.rate / result.every, shown=result.rate / result.shown_every))
    left, right = st.columns(2)
    left.download_button(text(language, "download_video"), result.video, file_name=download_name(name, "_emotions.mp4"),
                         mime="video/mp4", on_click="ignore", key=f"video-{key}")
    right.download_button(text(language, "download_video_csv"), result.csv(),
                          file_name=download_name(name, "_faces.csv"), mime="text/csv", on_click="ignore",
                          key=f"video-csv-{key}")
    from emotion_app.video import face_summary

    summary = face_summary(result.rows, result.every / result.rate)
    if not summary:
        return result
    # NOTE: face numbers follow people through the video (emotion_app/tracking.py), as on its frames
    st.caption(" · ".join(text(language, "video_face_summary", face=face, seconds=seconds,
                               emotion=display_name(emotion, language)) for face, seconds, emotion in summary))
    face = summary[0][0]
    if len(summary) > 1:
        face = st.selectbox(text(language, "video_which_face"), [number for number, _, _ in summary],
                            key=f"video-face-{key}")
    frame = pd.DataFrame(result.rows)
    frame = frame[frame["face"] == face]
    emotion_chart(frame, "time_s", text(language, "video_timeline", face=face), language)
    return result


def emotion_chart(frame, time_column: str, caption: str, language: str, where=st) -> None:
    """One face's seven probabilities over time (a DataFrame with ``time_column`` and a column per
    emotion), each emotion in its box colour: the video page's and the webcam's one chart."""
    names = [display_name(emotion, language) for emotion in EMOTIONS]
    where.caption(caption)
    # NOTE: a Vega-Lite spec written out, not st.line_chart: building the Altair chart behind
    # line_chart took 56 ms a call whatever the data, a fifth of a live session's server CPU at one
    # chart a second; the spec takes 3 ms (benchmarks/load_webcam.py --profile).
    long = frame[[time_column, *EMOTIONS]].set_axis([time_column, *names], axis=1).melt(
        time_column, var_name="emotion", value_name="probability")
    spec = {
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": time_column, "type": "quantitative", "title": "s"},
            "y": {"field": "probability", "type": "quantitative", "title": None, "scale": {"domain": [0, 1]}},
            "color": {"field": "emotion", "type": "nominal", "title": None, "sort": names,
                      "scale": {"domain": names, "range": [hex_color(emotion) for emotion in EMOTIONS]}},
        },
    }
    where.vega_lite_chart(long, spec, height=220, width="stretch")


# Below this many frames analysed a second (a camera sends 25-30), the webcam page says the server
# is busy rather than letting the boxes lag behind the faces silently.
BUSY_RATE = 10


def analysed_rate(language: str, fps: float) -> str:
    """The webcam page's rate caption, which says when the server cannot keep up."""
    return text(language, "fps" if fps >= BUSY_RATE else "fps_busy", fps=fps)


def binned(frame, time_column: str, seconds: float):
    """The rows averaged over each ``seconds`` of ``time_column`` (stamped with the bin's start): a
    chart of a minute at 25 frames a second draws a few hundred points instead of 1,500."""
    bins = (frame[time_column] // seconds) * seconds
    return frame[[time_column, *EMOTIONS]].assign(**{time_column: bins}).groupby(time_column, as_index=False).mean()


def hex_color(emotion: str) -> str:
    """The emotion's box colour (overlay.COLORS, BGR) as ``#rrggbb``: one colour per emotion everywhere."""
    b, g, r = COLORS[emotion]
    return f"#{r:02x}{g:02x}{b:02x}"


# NOTE: Streamlit drops a widget's value when a page without that widget runs (changing page), and
# a widget without a key becomes a new, empty one when its label changes (changing language). So
# every input has a fixed key, and the sidebar settings a user chose are copied to a plain session
# key, which no page run drops, and put back when the next page draws its widget.
KEPT = "kept."


def _restore(key: str, default: object) -> None:
    """Before drawing the widget ``key``: the value the user chose, on this page or another, else
    the value it has, else ``default``. Always written: a widget whose label changed is a new one to
    the browser, which would otherwise show its first option. (Given through session state, not
    the widget's ``value``, which Streamlit would warn is set twice.)"""
    st.session_state[key] = st.session_state.get(KEPT + key, st.session_state.get(key, default))


def _keep(key: str) -> None:
    st.session_state[KEPT + key] = st.session_state[key]


def kept(key: str, default: object) -> dict:
    """A widget's ``key`` and the arguments that keep its value from page to page and across a
    language switch: ``st.toggle(label, **kept("mirror", True))``."""
    _restore(key, default)
    return {"key": key, "on_change": _keep, "args": (key,)}


def sidebar_language() -> str:
    language = st.sidebar.radio(
        "Language / Langue", options=list(LANGUAGES), format_func=LANGUAGES.__getitem__, horizontal=True,
        **kept("language", next(iter(LANGUAGES))),
    )
    # NOTE: Streamlit writes <html lang="en"> whatever the page says; screen readers and the
    # browser's spelling and hyphenation read the page in that language
    st.html(f"<script>document.documentElement.lang = {json.dumps(language)};</script>",
            unsafe_allow_javascript=True)
    return language


def annotated_alt(language: str, name: str, predictions: list[FacePrediction]) -> str:
    """What an annotated photo shows, for screen readers: each face's number and emotion."""
    if not predictions:
        return text(language, "annotated_alt_none", name=name)
    emotions = ", ".join(f"{i} {display_name(p.emotion, language)}" if len(predictions) > 1
                         else display_name(p.emotion, language) for i, p in enumerate(predictions, start=1))
    return counted(language, "annotated_alt", len(predictions), name=name, emotions=emotions)


def number(language: str, n: int) -> str:
    """``n`` with thousands grouped as the language writes them: 100,000 and 100 000."""
    return f"{n:,}".replace(",", "\u202f") if language == "fr" else f"{n:,}"


def sidebar_sensitivity(
    language: str, levels: dict[str, DetectionSettings] = PHOTO.sensitivity
) -> DetectionSettings:
    names = dict(zip(levels, text(language, "sensitivity_levels").split("|"), strict=True))
    level = st.sidebar.select_slider(
        text(language, "sensitivity"), options=list(levels), format_func=names.__getitem__,
        help=text(language, "sensitivity_help"), **kept("sensitivity", "medium"),
    )
    return levels[level]


DETECTOR_NAMES = {"mtcnn+haar": "MTCNN + Haar", "mtcnn": "MTCNN", "haar": "Haar"}


EXAMPLE_DIR = ASSETS / "examples"
EXAMPLES = ("", "astronaut.jpg", "collage.jpg")  # bundled, public domain (assets/examples/LICENSE.md)


def example_picker(language: str) -> tuple[str, bytes] | None:
    """A bundled photo to analyse, so a presenter can demo without a file at hand."""
    names = dict(zip(EXAMPLES, text(language, "example_names").split("|"), strict=True))
    choice = st.radio(text(language, "example"), EXAMPLES, format_func=names.__getitem__, horizontal=True,
                      **kept("example", EXAMPLES[0]))
    return (choice, (EXAMPLE_DIR / choice).read_bytes()) if choice else None


def sidebar_detector(language: str, default: str) -> str:
    return st.sidebar.radio(
        text(language, "detector"), options=list(DETECTORS), format_func=DETECTOR_NAMES.__getitem__,
        help=text(language, "detector_help"), **kept("detector", default),
    )


RUNTIME_NAMES = {"litert": "LiteRT", "litert-int8": "LiteRT (int8)", "tensorflow": "TensorFlow"}


def accuracy_note(predictor: EmotionPredictor, language: str) -> None:
    model = predictor.model
    accuracy = model.metadata.get("metrics", {}).get("PrivateTest", {}).get("accuracy")
    # The runtime is shown so a slow fallback to TensorFlow (see emotion_app.model) is visible.
    runtime = text(language, "runtime_note", model=model.path.name,
                   runtime=RUNTIME_NAMES.get(model.runtime, model.runtime))
    note = text(language, "accuracy_note", acc=percent(accuracy, language)) + " " if accuracy is not None else ""
    st.caption(note + runtime)


# The presentation view: read from the back of a room on a projector. Sidebar and page chrome
# hidden, the picture as wide as the window, the message in 50-px type at 1920x1080 (it scales with
# the window, never breaking words) on a high-contrast band
# that fades in (a new message never flickers in).
PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stCaptionContainer"], [data-testid="stFileUploader"] { display: none !important; }
.block-container { max-width: 100% !important; padding: 0.5rem 1.5rem !important; }
h1 { font-size: clamp(24px, 2vw, 40px) !important; padding: 0 !important; }
.emotion-message { font-size: clamp(26px, 2.6vw, 60px); font-weight: 700; line-height: 1.25; padding: 0.45em 0.6em;
  border-radius: 0.3em; margin: 0.3em 0; word-break: normal; overflow-wrap: normal;
  animation: emotion-fade 0.6s ease-in; }
.emotion-message.positive { background: #0b5d1e; color: #ffffff; }
.emotion-message.negative { background: #7a1f00; color: #ffffff; }
.emotion-message.neutral { background: #0d3b66; color: #ffffff; }
.emotion-face { font-size: clamp(24px, 2.3vw, 52px); font-weight: 700; }
.join-address { font-size: clamp(20px, 1.8vw, 40px); font-family: monospace; overflow-wrap: anywhere; }
@keyframes emotion-fade { from { opacity: 0.2; } to { opacity: 1; } }
/* the live video no taller than the screen leaves it (4:3 at worst), so START/STOP stay in view */
iframe[title*="webrtc"] { max-width: calc((100vh - 13rem) * 4 / 3); }
</style>
"""


# Streamlit has no setting for the words of its own widgets ("Upload", "50MB per file", its size
# error, "Take Photo", "Clear photo"): in languages but English, CSS hides them and shows ours in
# their place. Selectors from Streamlit 1.67's markup: tests/test_browser_app.py reads the result.
STREAMLIT_TEXTS_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p,
[data-testid="stFileUploaderDropzoneInstructions"] span, [data-testid="stFileChip"] [role="alert"],
[data-testid="stCameraInputButton"] { font-size: 0 !important; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]
  p::after { content: %(upload)s; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: %(limits)s; font-size: 0.875rem; }
[data-testid="stFileChip"] [role="alert"]::after { content: %(too_big)s; font-size: 0.875rem; }
[data-testid="stCameraInput"]:has(video) [data-testid="stCameraInputButton"]::after { content: %(take)s;
  font-size: 1rem; }
[data-testid="stCameraInput"]:has(img) [data-testid="stCameraInputButton"]::after { content: %(clear)s;
  font-size: 1rem; }
/* text only (no button): hidden from screen readers too, which then read ours alone */
[data-testid="stFileUploaderDropzoneInstructions"] span, [data-testid="stFileChip"] [role="alert"]
  { visibility: hidden; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after, [data-testid="stFileChip"] [role="alert"]::after
  { visibility: visible; }
</style>
"""

# The buttons' names for screen readers, which would read Streamlit's hidden words and ours after
# them ("UploadChoisir des fichiers"): an aria-label replaces both, kept as Streamlit redraws.
NAME_BUTTONS_JS = """<script>
(() => {
  const names = %s;
  const name = () => {
    for (const [selector, label] of names) {
      for (const button of document.querySelectorAll(selector)) {
        if (button.getAttribute("aria-label") !== label) button.setAttribute("aria-label", label);
      }
    }
  };
  window.emotionAppNames && window.emotionAppNames.disconnect();
  window.emotionAppNames = new MutationObserver(name);
  window.emotionAppNames.observe(document.body, {childList: true, subtree: true});
  name();
})();
</script>"""

# Streamlit's own list of accepted types merges these synonyms and keeps the first of each
# (its frontend's utils): ours says the same, so both languages list the same types.
TYPE_SYNONYMS = {"jpeg": "jpg", "tiff": "tif", "htm": "html", "mpeg": "mpg", "mpeg4": "mp4"}


def uploader_types(types: tuple[str, ...]) -> str:
    """``JPG, PNG, ...``: the uploader's types as Streamlit lists them under its English button."""
    return ", ".join(dict.fromkeys(TYPE_SYNONYMS.get(t.lower(), t.lower()) for t in types)).upper()


def css_string(value: str) -> str:
    """``value`` as a CSS string literal: CSS escapes are a backslash and hex digits (JSON's
    ``\\u2022`` showed as "u2022"; the space after six digits ends the escape), and ``<`` is
    escaped so no text can close the style element."""
    return '"' + "".join(f"\\{ord(c):06x} " if ord(c) > 126 or c in '"\\<' or ord(c) < 32 else c
                         for c in value) + '"'



def streamlit_texts(language: str, types: tuple[str, ...]) -> None:
    """Streamlit's own widget words in ``language`` (``types``: the uploader's file types)."""
    if language == "en":
        return
    from emotion_app.image_io import MAX_BYTES

    mb = MAX_BYTES // 2**20
    words = {"upload": text(language, "st_upload"), "too_big": text(language, "st_too_big", mb=mb),
             "limits": text(language, "st_limits", mb=mb, types=uploader_types(types)),
             "take": text(language, "st_take_photo"), "clear": text(language, "st_clear_photo")}
    st.markdown(STREAMLIT_TEXTS_CSS % {key: css_string(value) for key, value in words.items()},
                unsafe_allow_html=True)
    upload = '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]'
    names = [(upload, words["upload"]), ('[data-testid="stCameraInput"]:has(video) [data-testid="stCameraInputButton"]',
              words["take"]), ('[data-testid="stCameraInput"]:has(img) [data-testid="stCameraInputButton"]',
                               words["clear"])]
    st.html(NAME_BUTTONS_JS % json.dumps(names), unsafe_allow_javascript=True)


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def join_url(browser_url: str | None = None) -> str | None:
    """The webcam page's address for phones on this network, or None when the server listens on
    this machine alone (or has no address others reach). The browser's own address where it is one
    others can reach (what the presenter opened), else this machine's first network address."""
    from urllib.parse import urlsplit

    from emotion_app.sharing import lan_addresses

    if str(st.get_option("server.address") or "") in LOOPBACK_HOSTS:
        return None
    seen = urlsplit(browser_url) if browser_url else None
    if seen and seen.hostname and seen.hostname not in LOOPBACK_HOSTS:
        return f"{seen.scheme}://{seen.netloc}/webcam"
    addresses = lan_addresses()
    if not addresses:
        return None
    scheme = "https" if st.get_option("server.sslCertFile") else "http"
    return f"{scheme}://{addresses[0]}:{st.get_option('server.port')}/webcam"


def join_setting(language: str) -> bool:
    return st.sidebar.toggle(text(language, "join_setting"), help=text(language, "join_setting_help"),
                             **kept("join", True))


def join_panel(language: str, shown: bool, where=st) -> None:
    """In the presentation view: a QR code of the webcam page for the audience's phones, and the
    address in words (and, served over plain HTTP, why phones will not open their camera)."""
    url = join_url(st.context.url) if shown else None
    if url is None:
        return
    from emotion_app.sharing import qr_png

    picture, words = where.columns([1, 2])
    picture.image(qr_png(url), width=220, alt=url)
    words.markdown(f'<div class="emotion-face">{html.escape(text(language, "join_title"))}</div>'
                   f'<div class="join-address">{html.escape(url)}</div>', unsafe_allow_html=True)
    if url.startswith("http://"):
        words.markdown(text(language, "join_http"))


def room_bar(room: tuple[tuple[str, float], ...], language: str, where=st, large: bool = False) -> None:
    """The room's mood as one bar: each emotion's share of the faces in view, in its box colour and
    with its emoji, and the leading one in words; large type for a projector."""
    if not room:
        where.empty()
        return
    emotion, share = room[0]
    segments = "".join(
        f'<div style="flex:{s:.3f};background:{hex_color(e)}" title="{html.escape(display_name(e, language))} '
        f'{percent(s, language)}">{EMOJI_CHAR[e] if s >= 0.1 else ""}</div>' for e, s in room)
    title = text(language, "room_title", share=percent(share, language), emotion=display_name(emotion, language))
    where.markdown(f'<div class="room-mood{" large" if large else ""}"><div class="room-title">{html.escape(title)}'
                   f'</div><div class="room-bar">{segments}</div></div>', unsafe_allow_html=True)


ROOM_CSS = """<style>
.room-mood .room-title { font-weight: 700; font-size: 1.2rem; }
.room-mood .room-bar { display: flex; height: 2.2rem; border-radius: 0.4rem; overflow: hidden; font-size: 1.4rem;
  line-height: 2.2rem; text-align: center; }
.room-mood.large .room-title { font-size: clamp(24px, 2.3vw, 52px); }
.room-mood.large .room-bar { height: clamp(48px, 5vw, 110px); line-height: clamp(48px, 5vw, 110px);
  font-size: clamp(28px, 3vw, 64px); }
</style>"""


def room_setting(language: str) -> bool:
    on = st.sidebar.toggle(text(language, "room_setting"), help=text(language, "room_setting_help"),
                           **kept("room", False))
    if on:
        st.markdown(ROOM_CSS, unsafe_allow_html=True)
    return on


def presentation_toggle(language: str) -> bool:
    """The presentation view's switch, on the page itself (the sidebar is hidden while it is on)."""
    on = st.toggle(text(language, "presentation"), help=text(language, "presentation_help"),
                   **kept("presentation", False))
    if on:
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    return on


def show_message(key: str, language: str, where=st, large: bool = False, variant: int = 0) -> None:
    """The congratulation, follow-up question or check-in for a message key (an emotion, or
    ``UNSURE``: see ``labels.message_key``) in phrasing ``variant``, styled by valence; ``large``
    for the presentation view."""
    message = f"{UNSURE_EMOJI if key == UNSURE else EMOJI_CHAR[key]} {message_for(key, language, variant)}"
    valence = Valence.NEUTRAL if key == UNSURE else VALENCE[key]
    if large:
        where.markdown(f'<div class="emotion-message {valence.value}">{html.escape(message)}</div>',
                       unsafe_allow_html=True)
    elif valence is Valence.POSITIVE:
        where.success(message)
    elif valence is Valence.NEGATIVE:
        where.warning(message)
    else:
        where.info(message)


def webrtc_translations(language: str) -> dict[str, str]:
    """Calm, translated states for the camera component's own messages."""
    keys = {"start": "start", "stop": "stop", "device_access_denied": "camera_denied",
            "device_not_available": "camera_unavailable", "device_ask_permission": "camera_asking",
            "media_api_not_available": "camera_needs_https", "select_device": "select_device",
            "select_camera": "select_camera", "turn_camera_on": "camera_on", "turn_camera_off": "camera_off"}
    return {component_key: text(language, key) for component_key, key in keys.items()}


def probability_label(emotion: str, probability: float, language: str) -> str:
    """A probability bar's text, e.g. "😠 angry: 12%" (French sets a space before the colon)."""
    colon = " :" if language == "fr" else ":"
    return f"{EMOJI_CHAR[emotion]} {display_name(emotion, language)}{colon} {percent(probability, language)}"


def face_panel(index: int, prediction: FacePrediction, language: str, large: bool = False) -> None:
    """Emoji, emotion, confidence, a bar per class, and the message for one face; ``large`` (the
    presentation view) keeps the emotion and the message, in type a room can read."""
    label = html.escape(f"{display_name(prediction.emotion, language)}{'?' if prediction.unsure else ''}")
    # the emotion in its box colour, so a panel is matched to its face at a glance
    colored = f'<span style="color:{hex_color(prediction.emotion)}">&#9632; {label}</span>'
    with st.container(border=True):
        if large:
            st.markdown(f'<div class="emotion-face">{index}. {EMOJI_CHAR[prediction.emotion]} {colored} '
                        f"{percent(prediction.confidence, language)}</div>", unsafe_allow_html=True)
        else:
            st.markdown(f"**{text(language, 'face', i=index)}** &nbsp; {EMOJI_CHAR[prediction.emotion]} "
                        f"**{colored}** ({text(language, 'confidence')} {percent(prediction.confidence, language)})",
                        unsafe_allow_html=True)
            if prediction.unsure:
                st.caption(text(language, "unsure"))
            for emotion in EMOTIONS:
                probability = prediction.probabilities[emotion]
                st.progress(probability, text=probability_label(emotion, probability, language))
        # each face of a group photo gets the next phrasing, so a row of smiles does not read the same
        show_message(message_key(prediction.emotion, prediction.unsure), language, large=large, variant=index - 1)
