"""Copies the top-level prompts/ into the package at build time, so a wheel carries its prompts.

Everything else about the build is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithPrompts(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "assistant" / "prompt_templates"
        self.mkpath(str(target))
        for prompt in sorted(Path(__file__).resolve().parent.joinpath("prompts").glob("*.md")):
            self.copy_file(str(prompt), str(target / prompt.name))


setup(cmdclass={"build_py": BuildPyWithPrompts})
