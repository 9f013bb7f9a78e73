"""Form pieces: a labelled field with its own error line, read out when it appears."""

from __future__ import annotations

import reflex as rx


def code_input(*, digits: int, id: str, test_id: str, **props: object) -> rx.Component:
    """A box for a numeric one-time code of ``digits`` digits, filled in by the phone when it can."""
    return rx.input(
        id=id,
        name="code",
        input_mode="numeric",
        auto_complete="one-time-code",
        max_length=digits,
        placeholder="".join(str(n % 10) for n in range(1, digits + 1)),  # 123456 for six
        size="3",
        auto_focus=True,
        data_testid=test_id,
        **props,
    )


def field_error(error: rx.Var, *, name: str) -> rx.Component:
    """The error of one field, under it, or nothing."""
    return rx.cond(
        error != "",
        rx.text(
            error,
            color_scheme="red",
            size="2",
            role="alert",
            id=f"{name}-error",
            data_testid=f"error-{name}",
        ),
        rx.fragment(),
    )


def labelled(
    label: rx.Var | str,
    control: rx.Component,
    *,
    name: str,
    error: rx.Var,
    hint: rx.Var | str | None = None,
) -> rx.Component:
    """A label above its control, an optional hint, and the field's error below."""
    return rx.vstack(
        rx.el.label(label, html_for=name, style={"font_weight": "600", "font_size": "0.9em"}),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint is not None else rx.fragment(),
        field_error(error, name=name),
        spacing="1",
        width="100%",
    )
