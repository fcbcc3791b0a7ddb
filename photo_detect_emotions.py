"""Photo page: upload photos (or take a snapshot) -> faces, emotions, emoji and messages.

    streamlit run photo_detect_emotions.py
"""

from __future__ import annotations

import logging

import streamlit as st

from emotion_app import ui
from emotion_app.exports import rows_csv, rows_json
from emotion_app.image_io import ACCEPTED_TYPES, HEIC, ImageError
from emotion_app.photo import (
    MAX_BYTES_PER_RUN,
    MAX_FILES_PER_RUN,
    SessionPhotos,
    annotated_zip,
    face_rows,
    files_within_budget,
)
from emotion_app.profiles import PHOTO
from emotion_app.video import VIDEO_TYPES, is_picture

language = ui.sidebar_language()
st.set_page_config(page_title=ui.text(language, "tab_photo"), page_icon="😀", layout="wide")
ui.streamlit_texts(language, (*ACCEPTED_TYPES, *VIDEO_TYPES))
settings = ui.sidebar_sensitivity(language, PHOTO.sensitivity)
detector = ui.sidebar_detector(language, PHOTO.detector)
joining = ui.join_setting(language)
presenting = ui.presentation_toggle(language)
st.title(ui.text(language, "photo_title"))
if presenting:
    ui.join_panel(language, joining)
if not presenting:
    st.write(ui.text(language, "photo_intro"))
predictor, painter = ui.load_resources(language, detector)
ui.accuracy_note(predictor, language)

every = st.sidebar.select_slider(ui.text(language, "video_every"), options=[1, 2, 3, 5, 10],
                                 help=ui.text(language, "video_every_help"), **ui.kept("video_every", 2))
uploads = st.file_uploader(ui.text(language, "upload_heic" if HEIC else "upload"), type=[*ACCEPTED_TYPES, *VIDEO_TYPES],
                           accept_multiple_files=True, key="uploads")
# NOTE: the camera widget asks for camera permission as soon as it is drawn, so it is only drawn
# when the user asks for it.
snapshot = None
if st.toggle(ui.text(language, "snapshot"), key="use_camera"):
    snapshot = st.camera_input(ui.text(language, "snapshot"), label_visibility="collapsed", key="camera")
example = ui.example_picker(language)
# NOTE: (name, size, read) so each file's bytes are copied out of Streamlit's upload only while it
# is analysed: a list of every file's bytes doubled the memory of a tab full of large uploads.
files = [(upload.name, upload.size, upload.getvalue) for upload in uploads or []]
if snapshot is not None:
    files.append((snapshot.name or "snapshot.jpg", snapshot.size, snapshot.getvalue))
if example is not None:
    files.append((example[0], len(example[1]), lambda data=example[1]: data))
if not files:
    st.info(ui.text(language, "waiting"))
kept = files_within_budget([size for _, size, _ in files])
if kept < len(files):
    st.warning(ui.text(language, "too_many_files", kept=kept, n=len(files), mb=MAX_BYTES_PER_RUN // 2**20,
                       most=MAX_FILES_PER_RUN))
    files = files[:kept]


def show_photo(i: int, name: str, result) -> None:
    """The annotated photo, its download and a panel per face."""
    shown = ui.plain(name)
    picture, panels = st.columns([2, 1] if presenting else [3, 2])
    with picture:
        # the PNG, encoded once and kept: an array would be encoded again on every rerun
        st.image(result.png(), width="stretch", alt=ui.annotated_alt(language, name, result.predictions))
        if result.downscaled:
            (height, width), (original_width, original_height) = result.annotated.shape[:2], result.original_size
            st.caption(ui.text(language, "downscaled", w=width, h=height, ow=original_width, oh=original_height))
        st.download_button(
            ui.text(language, "download", name=shown), result.png(), file_name=ui.download_name(name, "_emotions.png"),
            mime="image/png", on_click="ignore", key=f"download-{i}-{name}",
        )
    with panels:
        if not result.predictions:
            st.warning(ui.text(language, "no_face", name=shown))
            st.caption(ui.text(language, "no_face_hint"))
        else:
            st.caption(ui.counted(language, "faces_found", len(result.predictions), name=shown,
                                  detector=ui.DETECTOR_NAMES[detector]))
            for index, prediction in enumerate(result.predictions, start=1):
                ui.face_panel(index, prediction, language, large=presenting)


progress = st.progress(0.0) if len(files) > 1 else None
results = []
# NOTE: every click reruns this script; each photo's analysis is kept for the session, so a click
# costs only what it changed (a language switch redraws the words, nothing is searched again)
photos = st.session_state.setdefault("photos", SessionPhotos())
for i, (name, _, read) in enumerate(files, start=1):
    shown = ui.plain(name)  # file names are the user's text, never Markdown
    if progress is not None:
        progress.progress(i / len(files), text=ui.text(language, "processing", name=shown, i=i, n=len(files)))
    st.subheader(shown, anchor=False)
    data = read()
    if name.rsplit(".", 1)[-1].lower() in VIDEO_TYPES and not is_picture(data):  # a photo named .mp4 is a photo
        video = ui.show_video(name, data, predictor, painter, every, language, key=f"{i}-{name}", settings=settings)
        if video is not None:
            results.append((name, video))
        continue
    try:
        with ui.analysis_slots():
            result = photos.result(data, predictor, painter, settings, language, numbers_only=presenting)
        show_photo(i, name, result)
    except ImageError as error:
        st.error(ui.text(language, "bad_file", name=shown, reason=ui.reason(error, language)))
        continue
    except Exception:  # a bug of ours (or st.image on a shape it cannot show): logged, never shown,
        # never blamed on the file, and this file's alone: the next one still runs
        logging.getLogger(__name__).exception("analysing or showing %r failed", name)
        st.error(ui.text(language, "internal_error", name=shown))
        continue
    results.append((name, result))  # only what was shown goes into the exports
photos.end_run()
if progress is not None:
    progress.empty()
if results:
    st.subheader(ui.text(language, "exports"), anchor=False)
    rows = face_rows(results)
    csv_column, json_column, zip_column = st.columns(3)
    csv_column.download_button(ui.text(language, "download_csv"), rows_csv(rows), file_name="faces.csv",
                               mime="text/csv", on_click="ignore", key="download-csv")
    json_column.download_button(ui.text(language, "download_json"), rows_json(rows), file_name="faces.json",
                                mime="application/json", on_click="ignore", key="download-json")
    zip_column.download_button(ui.text(language, "download_zip"), annotated_zip(results),
                               file_name="annotated_images.zip", mime="application/zip", on_click="ignore",
                               key="download-zip")
