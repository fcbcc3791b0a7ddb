"""The whole app: the photo and webcam pages behind one navigation.

    streamlit run app.py

Each page still runs alone (``streamlit run photo_detect_emotions.py`` or
``streamlit run webcam_detect_emotions.py``).
"""

import streamlit as st

pages = [
    st.Page("photo_detect_emotions.py", title="Photos", icon="🖼️", default=True, url_path="photos"),
    st.Page("webcam_detect_emotions.py", title="Webcam", icon="🎥", url_path="webcam"),
]
st.navigation(pages).run()
