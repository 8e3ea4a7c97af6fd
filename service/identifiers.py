"""Identifiers the forms check (DOMAIN.md §5): 公民身份号码 (GB 11643), 统一社会信用代码
(GB 32100) and 定点医药机构编码; and how a person's number is masked in lists and exports.

Pure: each check returns the normalised value or raises ``InvalidIdentifier`` with a message a
clerk understands (an msgid, translated where it is shown).
"""

from __future__ import annotations

from datetime import date

from service.errors import N_

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # index: (Σ aᵢwᵢ) mod 11
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidIdentifier(ValueError):
    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def citizen_id(value: str, *, today: date | None = None) -> str:
    """A valid 18-character 公民身份号码, upper-case; an unknown area code is not refused (old
    codes are real), a birth date that does not exist or lies ahead is."""
    number = value.strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier(N_("An ID number has 18 characters."))
    if not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789X":
        raise InvalidIdentifier(N_("An ID number is 17 digits and a digit or X."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(N_("The birth date in the ID number does not exist.")) from None
    if born > (today or date.today()) or born.year < 1900:
        raise InvalidIdentifier(N_("The birth date in the ID number is not possible."))
    if id_check_char(number[:17]) != number[17]:
        raise InvalidIdentifier(N_("The ID number's check character does not match: mistyped?"))
    return number


def birth_date(number: str) -> date:
    """The birth date of a checked ID number."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex(number: str) -> str:
    """``male`` or ``female`` from the sequence digit of a checked ID number."""
    return "male" if int(number[16]) % 2 else "female"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def credit_code(value: str) -> str:
    """A valid 18-character 统一社会信用代码, upper-case."""
    code = value.strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier(N_("A unified social credit code has 18 characters."))
    if any(c not in USCC_ALPHABET for c in code):
        raise InvalidIdentifier(
            N_("A unified social credit code uses digits and capital letters except I, O, S, V, Z.")
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier(N_("The code's check character does not match: mistyped?"))
    return code


def institution_code(value: str) -> str:
    """A 定点医药机构编码: H (medical institution) or P (retail pharmacy), the 6-digit division
    code and a 5-digit sequence, e.g. H51068200012."""
    code = value.strip().upper()
    if len(code) != 12 or code[0] not in "HP" or not code[1:].isascii() or not code[1:].isdigit():
        raise InvalidIdentifier(
            N_("An institution code is H or P, a 6-digit division code and 5 digits.")
        )
    return code


def institution_division(code: str) -> str:
    """The division code that places a checked institution code in an office."""
    return code[1:7]


def mask_id(number: str) -> str:
    """``510106199001011234`` → ``5101**********1234``: the first four and last four shown."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
