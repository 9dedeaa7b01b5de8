"""Import & rescore: bulk-import reviews (CSV with mapped columns, our IMDB CSV, aclImdb folder) and
rescore the store after a model update. Nothing is stored until all rows are scored."""
from pathlib import Path

import pandas as pd
import streamlit as st

from core.import_root import IMPORT_ROOT_VARIABLE, PathRefused, confined, importable
from core.import_sources import ColumnMap, SourceError, csv_rows, guess_column, open_rows, read_header
from core.importer import import_reviews
from core.moderation import decide, held_reviews
from core.rescore import rescore
from core.store import StoreError, UnknownMovie
from core.submission import model_unavailable
from models.sentiment import ArtifactError
from ui.access import analyst_name, require_analyst
from ui.navigation import through_navigation
from ui.resources import current_store, sentiment_model

through_navigation()

RUNNING = "import_running"   # set while an import or rescore runs: still set on the next run means it was cancelled

st.title("📥 Import & rescore")
require_analyst("Importing and rescoring")
store = current_store()
if st.session_state.pop(RUNNING, None):
    st.warning("The last run was cancelled before it finished: nothing was stored.")


def progress_bar(label: str):
    bar = st.progress(0.0, text=label)

    def update(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"{label}: {done:,} of {total:,} reviews scored")
    return update


def run_safely(action, label: str):
    """Run an import or rescore with a progress bar; show what went wrong instead of failing the page."""
    st.session_state[RUNNING] = True
    st.button("Cancel", help="Stops scoring; nothing is stored.")   # a click reruns the page, which stops this run
    result = None
    try:
        result = action(sentiment_model(), progress_bar(label))
    except (ArtifactError, FileNotFoundError) as err:
        st.error(str(model_unavailable(err)))
    except (SourceError, UnknownMovie, StoreError) as err:
        st.error(f"Nothing was stored: {store.public_message(err)}")
    except OSError:   # its message names server paths
        st.error("Nothing was stored: the source or the store could not be read or written.")
    st.session_state.pop(RUNNING, None)   # not reached when a Cancel click (or Stop) interrupts the run
    return result


st.header("Import reviews")
kind = st.radio("Source", ["Upload a CSV", "A file or folder on this server"], horizontal=True)
source = None
if kind == "Upload a CSV":
    source = st.file_uploader("CSV file (optionally .xz / .gz compressed)", type=["csv", "xz", "gz"])
else:
    names = importable()
    choice = st.selectbox("File or folder in the server's import folder", names, index=None,
                          placeholder="Choose a file" if names else "The import folder is empty")
    st.caption(f"Only files in the import folder can be read (an operator sets it with {IMPORT_ROOT_VARIABLE}).")
    if choice:
        try:
            source = confined(choice)
        except PathRefused as err:
            st.error(str(err))
            st.stop()

mapping = None
if isinstance(source, Path) and source.is_dir():
    st.caption("An aclImdb-style folder: <split>/{pos,neg,unsup}/<id>_<stars>.txt with urls_<label>.txt beside.")
elif source is not None:
    try:
        header = read_header(source)
    except SourceError as err:
        st.error(f"This source cannot be read: {err}")
        st.stop()
    except OSError:
        st.error("This source cannot be read.")
        st.stop()
    st.caption("Map the columns: a review needs its text and its movie (IMDb id, title, or “Title (Year)”).")
    text_col, movie_col, date_col, stars_col = st.columns(4)
    optional = [None] + header

    def pick(column, label: str, field_name: str, choices: list):
        guess = guess_column(header, field_name)
        return column.selectbox(label, choices, index=choices.index(guess) if guess in choices else 0,
                                format_func=lambda c: "— none —" if c is None else c)

    mapping = ColumnMap(text=pick(text_col, "Text", "text", header), movie=pick(movie_col, "Movie", "movie", header),
                        date=pick(date_col, "Date (optional)", "date", optional),
                        stars=pick(stars_col, "Stars 1–10 (optional)", "stars", optional))
limit = st.number_input("Read at most (0 = every row)", min_value=0, value=0, step=1000)
st.caption("Movies must be in the catalogue: a review of any other movie is rejected with that reason. "
           "Duplicates (same movie, same text) are skipped.")

if st.button("Import", type="primary", disabled=source is None):
    rows = (csv_rows(source, mapping, limit or None) if mapping else open_rows(source, limit=limit or None))
    summary = run_safely(lambda model, progress: import_reviews(store, model, rows, progress), "Importing")
    if summary is not None:
        st.success(f"Stored {summary.added:,} new reviews in {summary.seconds:.1f} s.")
        read, added, duplicates, rejected = st.columns(4)
        read.metric("Rows read", f"{summary.read:,}")
        added.metric("Added", f"{summary.added:,}")
        duplicates.metric("Duplicates", f"{summary.duplicates:,}")
        rejected.metric("Rejected", f"{summary.rejected:,}")
        if summary.rejections:
            report = pd.DataFrame(summary.to_dict()["rejections"])
            st.subheader("Rejected rows")
            st.dataframe(report, hide_index=True, width="stretch")
            st.download_button("Download the rejected rows (CSV)", report.to_csv(index=False).encode(),
                               "rejected_rows.csv", "text/csv")

st.header("Held reviews")
st.caption("Reviews that arrived in a burst on one movie, or a second voice from one visitor's address (a venue's "
           "wifi, or one person), wait here; they count in the movie's rating once released. "
           "Every decision is logged with who made it.")
WHY_HELD = {"held": "burst on the movie", "repeat": "same visitor again"}
DECIDED = "held_decided"


def decide_chosen(status: str) -> None:
    """A button's callback: it runs before the page does, so the list below is already up to date."""
    try:
        count = decide(store, {rid: status for rid in st.session_state.get("held_chosen", [])}, analyst_name())
    except (ValueError, StoreError) as err:
        st.session_state[DECIDED] = ("error", f"Nothing was changed: {store.public_message(err)}")
    else:
        st.session_state[DECIDED] = ("success", f"{count} review(s) {'released' if status == 'counted' else 'rejected'}.")
    st.session_state["held_chosen"] = []


if outcome := st.session_state.pop(DECIDED, None):
    getattr(st, outcome[0])(outcome[1])
held = {r.review_id: r for r in held_reviews(store)}
if not held:
    st.info("No reviews are held.")
else:
    st.dataframe([{"movie": store.movies[r.imdb_id].title, "when": f"{r.created_at:%Y-%m-%d %H:%M}",
                   "why": WHY_HELD[r.status], "verdict": r.label, "text": r.text[:200]} for r in held.values()],
                 hide_index=True, width="stretch")
    chosen = st.multiselect("Reviews to decide", list(held), key="held_chosen",
                            format_func=lambda rid: f"{store.movies[held[rid].imdb_id].title}: {held[rid].text[:60]}")
    release, reject = st.columns(2)
    release.button("Release (count them)", disabled=not chosen, on_click=decide_chosen, args=("counted",))
    reject.button("Reject", disabled=not chosen, on_click=decide_chosen, args=("rejected",))

st.header("Rescore")
st.caption("After a model update: score every stored review that an older model version scored, then store "
           "all the new scores at once.")
if st.button("Rescore stored reviews"):
    result = run_safely(lambda model, progress: rescore(store, model, progress), "Rescoring")
    if result is not None:
        reviews, rescored, flipped = st.columns(3)
        reviews.metric("Stored reviews", f"{result.reviews:,}")
        rescored.metric("Rescored", f"{result.rescored:,}")
        flipped.metric("Verdicts flipped", f"{result.flipped:,}")
        st.subheader("Movies whose rating moved")
        st.dataframe(result.changes, hide_index=True, width="stretch",
                     column_order=["link", "title", "before", "after", "change", "flipped"],
                     column_config={"link": st.column_config.LinkColumn("Open", display_text="open ↗"),
                                    "before": st.column_config.NumberColumn("Before", format="%.2f"),
                                    "after": st.column_config.NumberColumn("After", format="%.2f"),
                                    "change": st.column_config.NumberColumn("Change", format="%+.2f")})
