import salama


def test_public_api_is_pinned() -> None:
    assert sorted(salama.__all__) == sorted(
        [
            "CATEGORIES",
            "TASKS",
            "Client",
            "DataError",
            "Detector",
            "InputError",
            "LexiconError",
            "ModelError",
            "SalamaError",
            "Span",
            "Verdict",
        ]
    )
    for name in salama.__all__:
        assert hasattr(salama, name)


def test_errors_carry_codes() -> None:
    codes = {cls.code for cls in (salama.InputError, salama.DataError, salama.ModelError)}
    assert codes == {"invalid_input", "invalid_data", "model_unavailable"}
    assert issubclass(salama.LexiconError, salama.DataError)
