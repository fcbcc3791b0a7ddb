"""Every word the app shows a user, in English and French, defined once: the pages' text, why an
upload is refused, the emotions' names and the messages. Each table has the same keys, with the same
placeholders, in every language (tests/test_texts.py).

No other module writes user-facing words; they format these by key (``ui.text``, ``ui.reason``,
``labels.display_name``, ``labels.message_for``).
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}

# The pages' text, by key.
PAGE: dict[str, dict[str, str]] = {
    "en": {
        "language": "Language",
        "sensitivity": "Face detection sensitivity",
        "sensitivity_help": "Higher finds smaller or less frontal faces, with more false alarms.",
        "sensitivity_levels": "low|medium|high",
        "photo_title": "Emotion detector: photos",
        "tab_photo": "Emotion detector",
        "tab_webcam": "Emotion detector: live",
        "st_upload": "Upload",
        "st_limits": "{mb} MB per file • {types}",
        "st_too_big": "Error: over {mb} MB, the limit per file.",
        "st_take_photo": "Take photo",
        "st_clear_photo": "Clear photo",
        "photo_intro": "Upload photos or take a snapshot: every face is boxed with its emotion, the model's "
        "confidence and an emoji. Nothing you upload is stored.",
        "upload": "Photos (JPEG, PNG, WebP, BMP, GIF, TIFF; 24 px to 64 megapixels) or videos (MP4, WebM, MOV, up "
        "to 2 minutes), 50 MB each at most. Other formats, such as iPhone HEIC, are refused because this server "
        "cannot decode them: export them as JPEG first",
        "upload_heic": "Photos (JPEG, PNG, WebP, BMP, GIF, TIFF, iPhone HEIC; 24 px to 64 megapixels) or videos (MP4, "
        "WebM, MOV, up to 2 minutes), 50 MB each at most",
        "snapshot": "Or take a snapshot with your camera",
        "example": "Or try an example",
        "video_every": "Videos: analyse every Nth frame",
        "video_every_help": "Frames in between keep the last answer: 2 halves the work.",
        "video_starting": "Reading the video…",
        "video_progress": "{frames} frames done, about {left:.0f} s left",
        "video_progress_unknown": "{frames} frames done",
        "video_done": "{frames} frames, {analysed} analysed.",
        "video_sampled": "This video has {fps:.0f} frames a second: every {every}th frame was analysed "
        "({analysed:.0f} a second) and the annotated video keeps {shown:.0f} a second, to keep the work bounded.",
        "video_incomplete": "{name} is damaged or incomplete: its first {seconds:.0f} s were analysed.",
        "video_cut": "{name} lasts more than {limit:.0f} s, the limit: its first {limit:.0f} s were analysed.",
        "download_video": "Download the annotated video (MP4)",
        "download_video_csv": "This video's faces as CSV",
        "video_other_language": "The words drawn on this video are still in the language it was analysed in.",
        "video_redraw": "Redraw them in English (analyses the video again)",
        "video_timeline": "Face {face}'s emotions over time",
        "video_face_summary": "Face {face}: {seconds:.0f} s in view, mostly {emotion}",
        "video_which_face": "Face to chart",
        "presentation": "Presentation view",
        "join_setting": "QR code for phones to join",
        "join_setting_help": "In presentation view, a QR code of the webcam page's address for the audience's "
        "phones (only when the app is served on the network).",
        "join_title": "Try it on your phone",
        "join_http": "Phones open their camera only over HTTPS: start the app with `emotion-app serve --https`.",
        "presentation_help": "Large picture and message, settings hidden: for a projector. Turn it off here.",
        "example_names": "none|astronaut|four faces",
        "processing": "Analysing {name} ({i}/{n})",
        "no_face": "No face found in {name}.",
        "no_face_hint": "Try a photo where faces are larger, well lit and looking at the camera, or raise the "
        "detection sensitivity in the sidebar.",
        "bad_file": "Could not read {name}: {reason}.",
        "internal_error": (
            "Something went wrong on our side with {name}; the error was logged. Other files are not affected."
        ),
        "faces_found_one": "{n} face found in {name} ({detector})",
        "annotated_alt_one": "{name}, annotated: its face boxed with its emotion, {emotions}",
        "annotated_alt_other": "{name}, annotated: {n} faces boxed and numbered with their emotions, {emotions}",
        "annotated_alt_none": "{name}: no face found",
        "faces_found_other": "{n} faces found in {name} ({detector})",
        "face": "Face {i}",
        "confidence": "confidence",
        "unsure": "The model is unsure: its top two guesses are close.",
        "detector": "Face detector",
        "detector_help": "MTCNN finds faces fast, tilted heads too. MTCNN + Haar (the photos' default) then "
        "frames each face with Haar, which reads photos best, for about 1 ms a face more. Haar alone is the "
        "slowest and misses tilted heads.",
        "download": "Download {name}, annotated (PNG)",
        "exports": "All results",
        "download_csv": "All faces, photos and videos (CSV)",
        "download_json": "All faces, photos and videos (JSON)",
        "download_zip": "All annotated photos and videos (ZIP)",
        "downscaled": "Large photo shown at {w}x{h} (uploaded {ow}x{oh}).",
        "model_error": "The emotion model could not be loaded.",
        "asset_error": "An app asset is missing.",
        "accuracy_note": "The model is right about {acc} of the time on the FER2013 test faces: treat "
        "results as a guess, not a diagnosis.",
        "runtime_note": "Model {model}, run by {runtime}.",
        "waiting": "Upload a photo (or take a snapshot) to begin.",
        "too_many_files": "Only the first {kept} of your {n} files are analysed (at most {most} files and {mb} MB "
        "at a time): remove some to analyse the others.",
        "webcam_title": "Emotion detector: live webcam",
        "webcam_intro": "Press START and allow the camera: every face is boxed with its emotion and an emoji, "
        "smoothed over a few frames. The video stays between your browser and this server; nothing is stored.",
        "mirror": "Mirror view",
        "resolution": "Camera resolution",
        "camera": "Camera",
        "camera_sides": "front (selfie)|back",
        "resolution_help": "The camera opens at this resolution when you press START.",
        "resolution_next_start": "The new resolution applies at the next START (press STOP, then START).",
        "snapshot_button": "Take a snapshot",
        "snapshot_download": "Download the snapshot (PNG)",
        "show_probabilities": "Show confidence on the video",
        "start": "START",
        "stop": "STOP",
        "select_device": "Select device",
        "select_camera": "Select camera",
        "camera_on": "Turn camera on",
        "camera_off": "Turn camera off",
        "camera_denied": "Camera access was denied. Allow the camera in your browser's address bar, then press "
        "START again.",
        "camera_unavailable": "No camera found. Connect a camera, or use the photo page instead.",
        "camera_asking": "Waiting for you to allow the camera…",
        "camera_needs_https": "This browser cannot open the camera here: the page must be served over HTTPS "
        "(or from localhost). The presenter can start it with: emotion-app serve --https",
        "idle": "Press START to begin. Allow the camera when the browser asks.",
        "waiting_video": "Connecting to the camera…",
        "no_face_live": "No face in view: look at the camera, with your face well lit.",
        "faces_live": "{n} faces in view; the message follows the largest one.",
        "room_setting": "The room's mood",
        "room_setting_help": "With several faces in view: the share of each emotion among them over the last few "
        "seconds, as one bar.",
        "room_title": "The room: {share} {emotion}",
        "fps": "{fps:.0f} frames analysed a second",
        "fps_busy": "{fps:.0f} frames analysed a second: the server is busy, so the boxes follow faces less "
        "closely",
        "timeline": "Emotions over time (largest face)",
        "timeline_csv": "Download this session's timeline (CSV)",
        "timeline_full": "The timeline holds the session's first {rows} rows; later frames are not in the CSV.",
        "ice_error": "The STUN/TURN configuration is invalid: {error}",
    },
    "fr": {
        "language": "Langue",
        "sensitivity": "Sensibilité de la détection des visages",
        "sensitivity_help": "Plus élevée : trouve les visages petits ou de profil, avec plus de fausses alertes.",
        "sensitivity_levels": "faible|moyenne|élevée",
        "photo_title": "Détecteur d'émotions : photos",
        "tab_photo": "Détecteur d'émotions",
        "tab_webcam": "Détecteur d'émotions : en direct",
        "st_upload": "Choisir des fichiers",
        "st_limits": "{mb} Mo par fichier • {types}",
        "st_too_big": "Erreur : plus de {mb} Mo, la limite par fichier.",
        "st_take_photo": "Prendre la photo",
        "st_clear_photo": "Effacer la photo",
        "photo_intro": "Dépose des photos ou prends un cliché : chaque visage est encadré avec son émotion, "
        "la confiance du modèle et un emoji. Rien de ce que tu déposes n'est conservé.",
        "upload": "Photos (JPEG, PNG, WebP, BMP, GIF, TIFF ; de 24 px à 64 mégapixels) ou vidéos (MP4, WebM, MOV, "
        "2 minutes au plus), 50 Mo maximum chacune. Les autres formats, comme le HEIC des iPhone, sont refusés car "
        "ce serveur ne sait pas les décoder : exporte-les d'abord en JPEG",
        "upload_heic": "Photos (JPEG, PNG, WebP, BMP, GIF, TIFF, HEIC des iPhone ; de 24 px à 64 mégapixels) ou "
        "vidéos (MP4, WebM, MOV, 2 minutes au plus), 50 Mo maximum chacune",
        "snapshot": "Ou prends un cliché avec ta caméra",
        "example": "Ou essaie un exemple",
        "video_every": "Vidéos : analyser une image sur N",
        "video_every_help": "Les images entre deux gardent la dernière réponse : 2 divise le travail par deux.",
        "video_starting": "Lecture de la vidéo…",
        "video_progress": "{frames} images traitées, encore environ {left:.0f} s",
        "video_progress_unknown": "{frames} images traitées",
        "video_done": "{frames} images, dont {analysed} analysées.",
        "video_sampled": "Cette vidéo a {fps:.0f} images par seconde : une image sur {every} a été analysée "
        "({analysed:.0f} par seconde) et la vidéo annotée en garde {shown:.0f} par seconde, pour borner le travail.",
        "video_incomplete": "{name} est abîmée ou incomplète : ses {seconds:.0f} premières secondes ont été "
        "analysées.",
        "video_cut": "{name} dure plus de {limit:.0f} s, la limite : ses {limit:.0f} premières secondes ont été "
        "analysées.",
        "download_video": "Télécharger la vidéo annotée (MP4)",
        "download_video_csv": "Les visages de cette vidéo en CSV",
        "video_other_language": "Les mots dessinés sur cette vidéo sont encore dans la langue de son analyse.",
        "video_redraw": "Les redessiner en français (analyse à nouveau la vidéo)",
        "video_timeline": "Émotions du visage {face} au fil du temps",
        "video_face_summary": "Visage {face} : {seconds:.0f} s à l'écran, surtout {emotion}",
        "video_which_face": "Visage à afficher",
        "presentation": "Mode présentation",
        "join_setting": "Code QR pour que les téléphones rejoignent",
        "join_setting_help": "En mode présentation, un code QR de l'adresse de la page webcam pour les téléphones "
        "du public (seulement quand l'appli est servie sur le réseau).",
        "join_title": "Essaie sur ton téléphone",
        "join_http": "Les téléphones n'ouvrent leur caméra qu'en HTTPS : lance l'appli avec `emotion-app serve "
        "--https`.",
        "presentation_help": "Grande image et grand message, réglages cachés : pour un vidéoprojecteur. "
        "Désactive-le ici.",
        "example_names": "aucun|astronaute|quatre visages",
        "processing": "Analyse de {name} ({i}/{n})",
        "no_face": "Aucun visage trouvé dans {name}.",
        "no_face_hint": "Essaie une photo où les visages sont plus grands, bien éclairés et face à l'objectif, "
        "ou augmente la sensibilité de la détection dans le panneau latéral.",
        "bad_file": "Impossible de lire {name} : {reason}.",
        "internal_error": (
            "Un problème est survenu de notre côté avec {name} ; l'erreur a été journalisée. "
            "Les autres fichiers ne sont pas touchés."
        ),
        "faces_found_one": "{n} visage trouvé dans {name} ({detector})",
        "annotated_alt_one": "{name}, annotée : son visage encadré avec son émotion, {emotions}",
        "annotated_alt_other": "{name}, annotée : {n} visages encadrés et numérotés avec leur émotion, {emotions}",
        "annotated_alt_none": "{name} : aucun visage trouvé",
        "faces_found_other": "{n} visages trouvés dans {name} ({detector})",
        "face": "Visage {i}",
        "confidence": "confiance",
        "unsure": "Le modèle hésite : ses deux premières réponses sont proches.",
        "detector": "Détecteur de visages",
        "detector_help": "MTCNN trouve vite les visages, même penchés. MTCNN + Haar (par défaut pour les "
        "photos) cadre ensuite chaque visage avec Haar, ce qui lit le mieux les photos, pour environ 1 ms de plus "
        "par visage. Haar seul est le plus lent et manque les têtes penchées.",
        "download": "Télécharger {name} annotée (PNG)",
        "exports": "Tous les résultats",
        "download_csv": "Tous les visages, photos et vidéos (CSV)",
        "download_json": "Tous les visages, photos et vidéos (JSON)",
        "download_zip": "Toutes les photos et vidéos annotées (ZIP)",
        "downscaled": "Grande photo affichée en {w}x{h} (envoyée en {ow}x{oh}).",
        "model_error": "Le modèle d'émotions n'a pas pu être chargé.",
        "asset_error": "Un fichier de l'application manque.",
        "accuracy_note": "Le modèle a raison dans environ {acc} des cas sur les visages de test de FER2013 : "
        "prends les résultats comme une estimation, pas un diagnostic.",
        "runtime_note": "Modèle {model}, exécuté par {runtime}.",
        "waiting": "Dépose une photo (ou prends un cliché) pour commencer.",
        "too_many_files": "Seuls les {kept} premiers de tes {n} fichiers sont analysés (au plus {most} fichiers et "
        "{mb} Mo à la fois) : retires-en pour analyser les autres.",
        "webcam_title": "Détecteur d'émotions : webcam en direct",
        "webcam_intro": "Appuie sur DÉMARRER et autorise la caméra : chaque visage est encadré avec son émotion "
        "et un emoji, lissés sur quelques images. La vidéo circule entre ton navigateur et ce serveur ; rien "
        "n'est conservé.",
        "mirror": "Vue miroir",
        "resolution": "Résolution de la caméra",
        "camera": "Caméra",
        "camera_sides": "avant (selfie)|arrière",
        "resolution_help": "La caméra s'ouvre à cette résolution quand tu appuies sur DÉMARRER.",
        "resolution_next_start": "La nouvelle résolution s'applique au prochain DÉMARRER (appuie sur ARRÊTER, puis "
        "DÉMARRER).",
        "snapshot_button": "Prendre un cliché",
        "snapshot_download": "Télécharger le cliché (PNG)",
        "show_probabilities": "Afficher la confiance sur la vidéo",
        "start": "DÉMARRER",
        "stop": "ARRÊTER",
        "select_device": "Choisir l'appareil",
        "select_camera": "Choisir la caméra",
        "camera_on": "Allumer la caméra",
        "camera_off": "Éteindre la caméra",
        "camera_denied": "L'accès à la caméra a été refusé. Autorise la caméra dans la barre d'adresse du "
        "navigateur, puis appuie de nouveau sur DÉMARRER.",
        "camera_unavailable": "Aucune caméra trouvée. Branche une caméra, ou utilise la page photos.",
        "camera_asking": "En attente de ton autorisation pour la caméra…",
        "camera_needs_https": "Ce navigateur ne peut pas ouvrir la caméra ici : la page doit être servie en HTTPS "
        "(ou depuis localhost). La personne qui présente peut la lancer avec : emotion-app serve --https",
        "idle": "Appuie sur DÉMARRER pour commencer. Autorise la caméra quand le navigateur le demande.",
        "waiting_video": "Connexion à la caméra…",
        "no_face_live": "Aucun visage visible : regarde la caméra, le visage bien éclairé.",
        "faces_live": "{n} visages visibles ; le message suit le plus grand.",
        "room_setting": "L'humeur de la salle",
        "room_setting_help": "Avec plusieurs visages visibles : la part de chaque émotion parmi eux ces dernières "
        "secondes, en une barre.",
        "room_title": "La salle : {share} {emotion}",
        "fps": "{fps:.0f} images analysées par seconde",
        "fps_busy": "{fps:.0f} images analysées par seconde : le serveur est chargé, les cadres suivent les "
        "visages de moins près",
        "timeline": "Émotions au fil du temps (plus grand visage)",
        "timeline_csv": "Télécharger la chronologie de la session (CSV)",
        "timeline_full": "La chronologie garde les {rows} premières lignes de la session ; les images suivantes "
        "ne sont pas dans le CSV.",
        "ice_error": "La configuration STUN/TURN est invalide : {error}",
    },
}


# Why an upload cannot be read, by ``ImageError.reason``.
REASONS: dict[str, dict[str, str]] = {
    "en": {
        "empty": "the file is empty",
        "too_big": "the file is {mb:.0f} MB, over the {limit} MB limit",
        "too_many_pixels": "the image is {w}x{h} ({mp:.0f} megapixels), over the {limit:.0f}-megapixel limit",
        "too_small": "the image is {w}x{h} pixels, too small to hold a face (both sides need at least {side} pixels)",
        "too_thin": "the image is {w}x{h} pixels, too long and thin to show or to hold a face (at most {ratio}:1)",
        "unknown_format": "this is not an image format we can read (use JPEG, PNG, WebP, BMP, GIF or TIFF)",
        "heic": "this is an iPhone HEIC photo, which this server cannot decode: export it as JPEG (or, on the "
        "server, pip install 'emotion-app[heic]')",
        "bomb": "the image is too large to open safely (over the {limit:.0f}-megapixel limit)",
        "no_memory": "the image is too large to decode on this server",
        "damaged": "the image data is damaged or incomplete",
        "no_pixels": "the image has no pixels (size {size})",
        "png": "the annotated image could not be encoded as PNG",
        "not_video": "this is not a video we can read (use MP4, WebM or MOV)",
        "no_video_stream": "the file has no video stream",
        "video_too_long": "the video lasts more than {limit:.0f} s, the limit",
        "video_damaged": "the video data is damaged or incomplete (was the file cut short?)",
        "no_timing": "the video does not say its frame rate (a raw stream): put it in an MP4 or WebM file first",
        "video_too_heavy": "the video has too many pixels to decode ({frames} frames of {w}x{h}): shorten it or "
        "lower its resolution or frame rate",
        "no_frames": "the video has no frames",
        "video_too_small": "the video is {w}x{h} pixels, too small to hold a face (both sides need at least {side} "
        "pixels)",
    },
    "fr": {
        "empty": "le fichier est vide",
        "too_big": "le fichier fait {mb:.0f} Mo, au-delà de la limite de {limit} Mo",
        "too_many_pixels": "l'image fait {w}x{h} ({mp:.0f} mégapixels), au-delà de la limite de {limit:.0f} mégapixels",
        "too_small": "l'image fait {w}x{h} pixels, trop petite pour contenir un visage (il faut au moins {side} "
        "pixels de chaque côté)",
        "too_thin": "l'image fait {w}x{h} pixels, trop longue et trop fine pour être affichée ou contenir un "
        "visage (au plus {ratio}:1)",
        "unknown_format": "ce format d'image n'est pas lisible ici (utilise JPEG, PNG, WebP, BMP, GIF ou TIFF)",
        "heic": "c'est une photo HEIC d'iPhone, que ce serveur ne sait pas décoder : exporte-la en JPEG (ou, sur le "
        "serveur, pip install 'emotion-app[heic]')",
        "bomb": "l'image est trop grande pour être ouverte sans risque (au-delà de {limit:.0f} mégapixels)",
        "no_memory": "l'image est trop grande pour être décodée sur ce serveur",
        "damaged": "les données de l'image sont abîmées ou incomplètes",
        "no_pixels": "l'image n'a aucun pixel (taille {size})",
        "png": "l'image annotée n'a pas pu être encodée en PNG",
        "not_video": "ce n'est pas une vidéo lisible ici (utilise MP4, WebM ou MOV)",
        "no_video_stream": "le fichier ne contient aucune piste vidéo",
        "video_too_long": "la vidéo dure plus de {limit:.0f} s, la limite",
        "video_damaged": "les données de la vidéo sont abîmées ou incomplètes (le fichier a-t-il été coupé ?)",
        "no_timing": "la vidéo n'indique pas sa cadence d'images (un flux brut) : mets-la d'abord dans un fichier "
        "MP4 ou WebM",
        "video_too_heavy": "la vidéo a trop de pixels à décoder ({frames} images de {w}x{h}) : raccourcis-la ou "
        "baisse sa résolution ou sa cadence",
        "no_frames": "la vidéo n'a aucune image",
        "video_too_small": "la vidéo fait {w}x{h} pixels, trop petite pour contenir un visage (il faut au moins "
        "{side} pixels de chaque côté)",
    },
}


# The emotions' names on labels, panels and charts (keys: labels.EMOTIONS).
DISPLAY_NAME: dict[str, dict[str, str]] = {
    "en": {e: e for e in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")},
    "fr": {
        "angry": "colère",
        "disgust": "dégoût",
        "fear": "peur",
        "happy": "joie",
        "sad": "tristesse",
        "surprise": "surprise",
        "neutral": "neutre",
    },
}

# Several phrasings per class so a live demo does not repeat itself (``message_for``'s variant); positive classes get a
# congratulation, negative ones a caring follow-up question, neutral a gentle check-in.
MESSAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": (
            "Congratulations, what a lovely smile! Keep it up.",
            "You look happy, congratulations on a good moment!",
            "That smile is contagious, well done!",
        ),
        "surprise": (
            "Something surprised you, and it looks like a good one: congratulations!",
            "Wow, what a surprise! Enjoy the moment.",
            "Eyes wide open! We hope it's good news, congratulations!",
        ),
        "angry": (
            "What made you angry?",
            "You look upset. What happened?",
            "Something seems to bother you. Do you want to talk about it?",
        ),
        "disgust": (
            "What disgusted you?",
            "Something doesn't seem right to you. What is it?",
            "That face says 'yuck'. What happened?",
        ),
        "fear": (
            "What are you afraid of?",
            "You look worried. What's frightening you?",
            "You are not alone: is something scaring you?",
        ),
        "sad": (
            "Why are you sad?",
            "You look a little down. What's on your mind?",
            "Take care of yourself: is something making you sad?",
        ),
        "neutral": (
            "How are you feeling today?",
            "Calm and composed. Anything on your mind?",
            "A neutral face. How is your day going?",
        ),
        "unsure": (
            "Hard to read this face. How are you feeling?",
            "This expression is hard to tell. How is your day going?",
            "Not sure what this face says. How do you feel right now?",
        ),
    },
    "fr": {
        "happy": (
            "Félicitations, quel joli sourire ! Continue comme ça.",
            "Quel bonheur sur ce visage, félicitations pour ce bon moment !",
            "Ce sourire est contagieux, bravo !",
        ),
        "surprise": (
            "Quelle surprise ! Et elle a l'air d'être bonne : félicitations !",
            "Waouh, quelle surprise ! Profite du moment.",
            "Les yeux grands ouverts ! On espère que c'est une bonne nouvelle, félicitations !",
        ),
        "angry": (
            "Qu'est-ce qui provoque ta colère ?",
            "Quelque chose te contrarie ? Que s'est-il passé ?",
            "Quelque chose semble te déranger. Tu veux en parler ?",
        ),
        "disgust": (
            "Qu'est-ce qui te dégoûte ?",
            "Quelque chose ne te plaît pas. Qu'est-ce que c'est ?",
            "Cette grimace dit « beurk ». Que s'est-il passé ?",
        ),
        "fear": (
            "De quoi as-tu peur ?",
            "Quelque chose t'inquiète ? Qu'est-ce qui t'effraie ?",
            "Tu peux en parler : quelque chose te fait peur ?",
        ),
        "sad": (
            "Pourquoi es-tu triste ?",
            "Un petit coup de blues ? À quoi penses-tu ?",
            "Prends soin de toi : quelque chose te rend triste ?",
        ),
        "neutral": (
            "Comment te sens-tu aujourd'hui ?",
            "Un visage calme. Quelque chose en tête ?",
            "Un visage neutre. Comment se passe ta journée ?",
        ),
        "unsure": (
            "Ce visage est difficile à lire. Comment te sens-tu ?",
            "Cette expression est difficile à deviner. Comment se passe ta journée ?",
            "Difficile de dire ce que montre ce visage. Comment te sens-tu en ce moment ?",
        ),
    },
}

# Drawn on a live frame whose analysis failed (ASCII only: see emotion_app/live.py).
ERROR_NOTE: dict[str, str] = {"en": "analysis error (logged)", "fr": "erreur d'analyse (voir le journal)"}
