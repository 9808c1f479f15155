"""Lesson 4 (04_pooling.ipynb) exercise checks: None is "not answered", a wrong answer gets a hint that
does not contain the answer, the right answer (in any reasonable spelling) is accepted.
"""

import numpy as np
import pytest

from cnnmath import avg_pool2d, max_pool2d, max_pool2d_switches, pool_output_size
from cnnmath.checks import (ROUTE_QUESTION, check_pool_gradient_position, check_pool_output_size, check_pool_param_counts,
                            check_pool_tie_position, check_pooled_by_hand, pool_exercise_input,
                            pool_tie_exercise_input)

MAX_ANSWER = max_pool2d(pool_exercise_input())
AVG_ANSWER = avg_pool2d(pool_exercise_input())
SIZE_ANSWER = pool_output_size(28, 3, 2)
_r, _c = max_pool2d_switches(pool_exercise_input())
ROUTE_ANSWER = (int(_r[ROUTE_QUESTION]), int(_c[ROUTE_QUESTION]))
_r, _c = max_pool2d_switches(pool_tie_exercise_input())
TIE_ANSWER = (int(_r[1, 0]), int(_c[1, 0]))
PARAM_ANSWER = (6 * 3 * 3 * 3 + 6, 0)


def test_the_exercise_data_is_what_the_lesson_says():
    assert MAX_ANSWER.tolist() == [[7, 5], [8, 9]]
    assert SIZE_ANSWER == 13
    assert ROUTE_QUESTION == (1, 0) and ROUTE_ANSWER == (2, 1)
    # issue 14: the slips of exercise 3 give different positions, so each gets its own hint
    inside = (ROUTE_ANSWER[0] - 2 * ROUTE_QUESTION[0], ROUTE_ANSWER[1] - 2 * ROUTE_QUESTION[1])
    assert len({ROUTE_ANSWER, inside, ROUTE_QUESTION, ROUTE_ANSWER[::-1]}) == 4
    tie_window = pool_tie_exercise_input()[2:4, 0:2]
    assert np.count_nonzero(tie_window == tie_window.max()) == 2  # exercise 4 really is a tie
    assert TIE_ANSWER == (2, 1)
    assert PARAM_ANSWER == (168, 0)


CASES = [
    # (check, right answers, wrong answers, strings a hint must not contain)
    (check_pooled_by_hand, [MAX_ANSWER.tolist(), MAX_ANSWER, ((7, 5), (8, 9))],
     [AVG_ANSWER.tolist(), [[7, 5], [8, 8]], [[7, 4], [8, 9]],
      max_pool2d(pool_exercise_input(), 2, 1)[:2, :2], [7, 5, 8, 9], [[1, 2, 3], [4, 5, 6]], "seven",
      [[7, 5], [8]]],
     ["[[7", "7, 5", "8, 9"]),
    (check_pool_output_size, [13, 13.0, (13, 13), np.int64(13), np.array([13, 13]), [13]],
     [14, 12, 13.5, 12.5, 26, "13", True, (13, 12)],
     ["13"]),
    (check_pool_gradient_position, [(2, 1), [2, 1], np.array([2, 1]), (2.0, 1.0), np.array([[2, 1]])],
     [(0, 1), (1, 2), (1, 0), (2, 0), (3, 3), (0, 3), 5, "2, 1", [(2, 1), (1, 2)], (2, 1.5)],
     ["(2, 1)", "[2, 1]", "row 2, column 1"]),
    (check_pool_tie_position, [(2, 1), [2, 1]],
     [(3, 0), (2, 0), (3, 1), (0, 1), (0, 0), [(2, 1), (3, 0)], None and 0, "2,1"],
     ["(2, 1)", "[2, 1]"]),
    (check_pool_param_counts, [(168, 0), [168, 0], (168.0, 0.0)],
     [(162, 0), (60, 0), (54, 0), (168, 4), (0, 0), (112, 0), 168, ("a", "b")],
     ["168"]),
]


@pytest.mark.parametrize("check", [c[0] for c in CASES], ids=lambda f: f.__name__)
def test_none_is_not_answered(check):
    feedback = check(None)
    assert feedback.ok is None
    assert not feedback
    assert "Your turn" in repr(feedback)


@pytest.mark.parametrize(("check", "right"), [(c[0], r) for c in CASES for r in c[1]],
                         ids=lambda v: getattr(v, "__name__", None))
def test_right_answers_are_accepted(check, right):
    feedback = check(right)
    assert feedback.ok is True, feedback.message
    assert "Correct" in feedback._repr_html_()


@pytest.mark.parametrize(("check", "wrong", "secrets"),
                         [(c[0], w, c[3]) for c in CASES for w in c[2] if w is not None],
                         ids=lambda v: getattr(v, "__name__", None))
def test_wrong_answers_get_a_hint_without_the_answer(check, wrong, secrets):
    feedback = check(wrong)
    assert feedback.ok is False
    assert feedback.message
    for secret in secrets:
        assert secret not in feedback.message, (wrong, feedback.message)


def test_average_mode_of_the_hand_pooling_check():
    assert check_pooled_by_hand(AVG_ANSWER.tolist(), mode="average").ok is True
    feedback = check_pooled_by_hand(MAX_ANSWER.tolist(), mode="average")
    assert feedback.ok is False and "maxima" in feedback.message
    with pytest.raises(ValueError, match="mode"):
        check_pooled_by_hand(MAX_ANSWER, mode="median")


def test_specific_hints():
    assert "averages" in check_pooled_by_hand(AVG_ANSWER.tolist()).message
    assert "stride" in check_pooled_by_hand(max_pool2d(pool_exercise_input(), 2, 1)[:2, :2]).message
    assert "rounds it down" in check_pool_output_size(14).message
    assert "add 1" in check_pool_output_size(12).message
    assert "inside the window" in check_pool_gradient_position((0, 1)).message
    assert "own index" in check_pool_gradient_position((1, 0)).message
    assert "swapped" in check_pool_gradient_position((1, 2)).message
    assert "outside window" in check_pool_gradient_position((2, 2)).message
    assert "row by row" in check_pool_tie_position((3, 0)).message
    assert "one position" in check_pool_tie_position([(2, 1), (3, 0)]).message
    assert "bias" in check_pool_param_counts((162, 0)).message
    assert "channel" in check_pool_param_counts((60, 0)).message
    assert "learn" in check_pool_param_counts((168, 4)).message
