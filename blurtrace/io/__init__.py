"""Reading and writing what blurtrace reads and writes: images (``images``), offsets files
(``offsets``), videos (``video``), and the files themselves (``files``: atomic writes, finding
inputs, the errors a user can cause). Nothing here imports torch; the video writer is imported on
its own (``blurtrace.io.video``), since it loads the ffmpeg binding.
"""
from .files import (
    IMAGE_SUFFIXES,
    ImageReadError,
    ImageWriteError,
    OffsetsFileError,
    atomic_output,
    find_images,
)
from .images import (
    Image,
    as_rgb_uint8,
    from_float,
    read_image,
    to_bit_depth,
    to_float,
    write_image,
)
from .offsets import CONSTRAINTS, LIGHTS, OffsetsFile, load_offsets, save_offsets

__all__ = [
    "IMAGE_SUFFIXES",
    "CONSTRAINTS",
    "LIGHTS",
    "Image",
    "ImageReadError",
    "ImageWriteError",
    "OffsetsFile",
    "OffsetsFileError",
    "as_rgb_uint8",
    "atomic_output",
    "find_images",
    "from_float",
    "load_offsets",
    "read_image",
    "save_offsets",
    "to_bit_depth",
    "to_float",
    "write_image",
]
