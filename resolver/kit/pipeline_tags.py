"""The Hub's pipeline tags: the task names a mapping may be registered under.

The list is the keys of ``PIPELINE_DATA`` in huggingface.js,
packages/tasks/src/pipelines.ts (package ``@huggingface/tasks``), at commit
0057f4042b57b833d296ed4cf1c76cfd6619d00d, in that file's order. The Hub adds
tasks over time; a task missing here makes ``resolver lint`` report a valid
mapping as ``unknown-task`` until the list is refreshed from that file.
``conversational`` is not a pipeline tag but is the task of chat mappings.
"""

from __future__ import annotations

from typing import Final

from resolver.mapping import CONVERSATIONAL

__all__ = ["MAPPING_TASKS", "PIPELINE_TAGS", "is_mapping_task"]

PIPELINE_TAGS: Final[tuple[str, ...]] = (
    "biology",
    "text-classification",
    "token-classification",
    "table-question-answering",
    "question-answering",
    "zero-shot-classification",
    "translation",
    "summarization",
    "feature-extraction",
    "text-generation",
    "text2text-generation",
    "fill-mask",
    "sentence-similarity",
    "text-to-speech",
    "text-to-audio",
    "automatic-speech-recognition",
    "audio-to-audio",
    "audio-classification",
    "audio-text-to-text",
    "voice-activity-detection",
    "depth-estimation",
    "image-classification",
    "object-detection",
    "image-segmentation",
    "text-to-image",
    "image-to-text",
    "image-to-image",
    "image-to-video",
    "unconditional-image-generation",
    "video-classification",
    "reinforcement-learning",
    "robotics",
    "tabular-classification",
    "tabular-regression",
    "tabular-to-text",
    "table-to-text",
    "multiple-choice",
    "text-ranking",
    "text-retrieval",
    "time-series-forecasting",
    "text-to-video",
    "image-text-to-text",
    "visual-question-answering",
    "document-question-answering",
    "zero-shot-image-classification",
    "graph-ml",
    "mask-generation",
    "zero-shot-object-detection",
    "text-to-3d",
    "image-to-3d",
    "image-feature-extraction",
    "video-text-to-text",
    "keypoint-detection",
    "visual-document-retrieval",
    "any-to-any",
    "other",
)

MAPPING_TASKS: Final = frozenset((*PIPELINE_TAGS, CONVERSATIONAL))


def is_mapping_task(task: str) -> bool:
    """Whether ``task`` is a pipeline tag or ``conversational``; exact case."""
    return task in MAPPING_TASKS
