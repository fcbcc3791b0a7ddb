"""Live webcam page: streamlit-webrtc frames -> faces, smoothed emotions, emoji, messages, timeline.

    streamlit run webcam_detect_emotions.py
"""

from __future__ import annotations

import queue
import time

import av
import pandas as pd
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from emotion_app import transport, ui
from emotion_app.image_io import encode_png
from emotion_app.labels import message_key
from emotion_app.live import LiveAnalyzer, Timeline, camera_constraints, ice_servers, is_phone
from emotion_app.profiles import WEBCAM
from emotion_app.smoothing import MessageGate

REFRESH_SECONDS = 0.25  # page updates per second are capped; the video itself runs at camera speed
CHART_REFRESH_SECONDS = 1.0  # a chart redrawn faster than it renders never shows
CHART_SECONDS = 60
# The chart shows the mean of each quarter second: a few hundred points a minute to send and draw
# instead of up to 1,500, for lines no eye could tell apart (what cost the server most was the chart's
# own build: see ui.emotion_chart).
CHART_BIN_SECONDS = 0.25

transport.patient_consent_checks()  # a loaded server's sessions must not stop by themselves
language = ui.sidebar_language()
st.set_page_config(page_title=ui.text(language, "tab_webcam"), page_icon="🎥", layout="wide")
settings = ui.sidebar_sensitivity(language, WEBCAM.sensitivity)
detector = ui.sidebar_detector(language, WEBCAM.detector)
mirror = st.sidebar.toggle(ui.text(language, "mirror"), **ui.kept("mirror", True))
show_probabilities = st.sidebar.toggle(ui.text(language, "show_probabilities"), **ui.kept("show_probabilities", True))
width, height = st.sidebar.selectbox(ui.text(language, "resolution"), [(640, 480), (1280, 720)],
                                     format_func=lambda size: f"{size[0]}x{size[1]}",
                                     help=ui.text(language, "resolution_help"), **ui.kept("resolution", (640, 480)))
# a phone's front camera (the presenter's face) or back one (the room)
sides = dict(zip(("user", "environment"), ui.text(language, "camera_sides").split("|"), strict=True))
facing = st.sidebar.radio(ui.text(language, "camera"), list(sides), format_func=sides.__getitem__, horizontal=True,
                          **ui.kept("facing", "user"))
# NOTE: the browser opens the camera once, at START: a resolution chosen while streaming waits for
# the next START, and says so.
if st.session_state.get("streaming_resolution") not in (None, (width, height)):
    st.sidebar.caption(ui.text(language, "resolution_next_start"))
joining = ui.join_setting(language)
showing_room = ui.room_setting(language)
presenting = ui.presentation_toggle(language)
st.title(ui.text(language, "webcam_title"))
if not presenting:
    st.write(ui.text(language, "webcam_intro"))
# one pass a face: live speed
predictor, painter = ui.load_resources(language, detector, flip=WEBCAM.flip)
ui.accuracy_note(predictor, language)
try:
    servers = ice_servers()
except ValueError as error:
    st.error(ui.text(language, "ice_error", error=error))
    st.stop()

# NOTE: one analyzer per browser session (its tracker and timeline are this viewer's own); the
# callback below runs on streamlit-webrtc's worker thread and must not touch st.* or session_state.
if "analyzer" not in st.session_state:
    st.session_state.analyzer = LiveAnalyzer(predictor, painter)
analyzer: LiveAnalyzer = st.session_state.analyzer
analyzer.predictor = predictor  # NOTE: an attribute swap, atomic for the worker thread
analyzer.set_options(mirror=mirror, show_probabilities=show_probabilities, language=language, settings=settings,
                     detect_every=WEBCAM.detect_every[detector])


def video_frame_callback(frame: av.VideoFrame) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(analyzer.process_or_pass(frame.to_ndarray(format="bgr24")), format="bgr24")


phone = is_phone(st.context.headers.get("User-Agent", ""))
video, side = st.columns([2, 1] if presenting else [3, 2])  # presenting: the video as wide as the message allows
with video:
    context = webrtc_streamer(
        key="emotions",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": servers},
        media_stream_constraints=camera_constraints(width, height, facing, phone),
        video_frame_callback=video_frame_callback,
        async_processing=True,
        translations=ui.webrtc_translations(language),
    )
with side:
    if context.state.playing and st.button(ui.text(language, "snapshot_button"), key="snapshot"):
        frame = analyzer.last_annotated
        if frame is not None:  # the click reran the page; the video keeps going
            st.download_button(ui.text(language, "snapshot_download"), encode_png(frame),
                               file_name="emotions_snapshot.png", mime="image/png", on_click="ignore")
    status = st.empty()
    message = st.empty()
    room = st.empty()
    details = st.empty()
    if presenting:
        ui.join_panel(language, joining)
chart = st.empty()


def draw_chart() -> None:
    """The largest face's last minute, each emotion in its box colour."""
    rows, largest = analyzer.timeline.recent(), analyzer.timeline.largest_face
    if not rows or largest is None:
        return
    frame = pd.DataFrame(rows, columns=Timeline.COLUMNS)
    frame = frame[(frame["run"] == largest[0]) & (frame["face"] == largest[1])]
    frame = frame[frame["time_s"] >= frame["time_s"].iloc[-1] - CHART_SECONDS]
    ui.emotion_chart(ui.binned(frame, "time_s", CHART_BIN_SECONDS), "time_s", ui.text(language, "timeline"), language,
                     where=chart.container())


if not context.state.playing:
    st.session_state.playing = False
    st.session_state.pop("streaming_resolution", None)
    status.info(ui.text(language, "idle"))
    draw_chart()
    if analyzer.timeline.rows():
        st.download_button(ui.text(language, "timeline_csv"), analyzer.timeline.to_csv(), file_name="emotions.csv",
                           mime="text/csv", on_click="ignore")
        if analyzer.timeline.full:
            st.caption(ui.text(language, "timeline_full", rows=ui.number(language, analyzer.timeline.max_rows)))
else:
    if not st.session_state.get("playing"):  # this START begins a new run: fresh tracks, time from 0
        st.session_state.playing = True
        st.session_state.streaming_resolution = (width, height)
        analyzer.new_run()
    gate = MessageGate()
    status.info(ui.text(language, "waiting_video"))
    last_refresh = last_chart = 0.0
    on_screen: object = object()  # nothing shown yet
    messages_shown = 0
    room_shown: tuple = ()
    while context.state.playing:
        try:
            result = analyzer.results.get(timeout=1.0)
        except queue.Empty:
            continue
        now = time.monotonic()
        face = result.faces[0] if result.faces else None
        shown = gate.update(message_key(face.emotion, face.unsure) if face else None, now)
        if now - last_refresh < REFRESH_SECONDS:
            continue
        last_refresh = now
        status.caption(ui.analysed_rate(language, result.fps))
        if shown != on_screen:  # redrawn only when it changes, so it never flickers
            on_screen = shown
            if shown is None:
                message.info(ui.text(language, "no_face_live"))
            else:  # each new message takes the next phrasing: a live demo does not repeat itself
                ui.show_message(shown, language, where=message, large=presenting, variant=messages_shown)
                messages_shown += 1
        if len(result.faces) > 1:
            details.caption(ui.text(language, "faces_live", n=len(result.faces)))
        else:
            details.empty()
        # the room's mood, with several faces in view, redrawn when its rounded shares change
        mood = tuple((e, round(s, 2)) for e, s in result.room) if showing_room and len(result.faces) > 1 else ()
        if mood != room_shown:
            room_shown = mood
            ui.room_bar(mood, language, where=room, large=presenting)
        if now - last_chart >= CHART_REFRESH_SECONDS:
            last_chart = now
            draw_chart()
