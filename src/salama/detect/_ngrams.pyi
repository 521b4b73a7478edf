from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

class Hasher:
    def __init__(
        self,
        p: int,
        mix: int,
        bits: int,
        char_salts: Sequence[int],
        w1_salt: int,
        w2_salt: int,
        bigram_xor: int,
    ) -> None: ...
    def sums(
        self,
        texts: list[str],
        table: npt.NDArray[np.float32],
        out: npt.NDArray[np.float32],
    ) -> None: ...
