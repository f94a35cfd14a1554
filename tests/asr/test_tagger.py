"""The technical/narrative tagger on labelled sentences."""

from __future__ import annotations

import pytest

from services.asr.tagger import NARRATIVE, TECHNICAL, SegmentTagger
from services.asr.transcript import Segment, Transcript

pytestmark = pytest.mark.unit

LABELLED = [
    (TECHNICAL, "The yield strength of the steel is 250 megapascals at 300 degrees Celsius."),
    (TECHNICAL, "The tensile specimen was loaded to 12 kilonewtons and the strain reached 0.5%."),
    (TECHNICAL, "Quench the alloy in water after annealing at 800 degrees Celsius for 2 hours."),
    (TECHNICAL, "The fracture toughness of the ceramic is 4 MPa per square root metre."),
    (TECHNICAL, "Young's modulus of aluminium is about 70 gigapascals."),
    (TECHNICAL, "The catalyst raised the reaction rate at a pressure of 5 bar."),
    (TECHNICAL, "Fatigue cracks grew from the weld toe under cyclic bending."),
    (TECHNICAL, "The solution concentration was 0.1 moles per litre at 25 degrees Celsius."),
    (TECHNICAL, "Shear stress in the beam peaks near the supports."),
    (TECHNICAL, "The density of the polymer is 1.2 grams per cubic centimetre."),
    (TECHNICAL, "The shaft transmits 40 N·m of torque at 3000 rpm."),
    (TECHNICAL, "Heat it to 450 K and hold 20 minutes."),  # two quantities, no domain term
    (NARRATIVE, "My grandmother lived in a small village by the sea."),
    (NARRATIVE, "Every summer we visited her and walked along the beach."),
    (NARRATIVE, "We drove 200 kilometres to see the old lighthouse."),  # a quantity, no domain
    (NARRATIVE, "I bought 3 apples and a loaf of bread at the market."),
    (NARRATIVE, "He waited 2 hours for the bus in the rain."),
    (NARRATIVE, "I did a load of laundry and then went for a walk with the dog."),  # one weak term
    (NARRATIVE, "Thank you all for coming today, it is good to see everyone."),
    (NARRATIVE, "Let me tell you how this project started ten years ago."),
    (NARRATIVE, "We celebrated her birthday with a cake and some music."),
    (NARRATIVE, ""),
]


@pytest.fixture(scope="module")
def tagger() -> SegmentTagger:
    return SegmentTagger()


@pytest.mark.parametrize(("label", "text"), LABELLED)
def test_labelled_sentences(tagger: SegmentTagger, label: str, text: str) -> None:
    result = tagger.classify(text)
    assert result.tag == label, result


def test_deterministic_and_explained(tagger: SegmentTagger) -> None:
    text = LABELLED[0][1]
    first, second = tagger.classify(text), tagger.classify(text)
    assert first == second
    assert len(first.quantities) == 2 and first.terms >= 2


def test_run_annotates_every_segment(tagger: SegmentTagger) -> None:
    def seg(i: int, text: str) -> Segment:
        return Segment(i, 0, float(i), i + 1.0, text, [], 0.0, -0.1, 1.0, 0.01)

    transcript = Transcript("en", 2.0, [seg(0, LABELLED[0][1]), seg(1, LABELLED[12][1])])
    tagger.run(transcript)
    assert [s.tag for s in transcript.segments] == [TECHNICAL, NARRATIVE]
    assert [q["si_unit"] for q in transcript.segments[0].quantities] == ["Pa", "K"]
    assert transcript.segments[1].quantities == []
