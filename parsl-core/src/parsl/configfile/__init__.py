"""Config files: TOML and YAML in, TOML and YAML out, plugins named by string."""

from parsl.configfile.dump import NotRepresentable, config_to_data, dumps
from parsl.configfile.loader import ConfigFileError, config_from_data, file_format, load_config_file, parse_text

__all__ = ["ConfigFileError", "NotRepresentable", "config_from_data", "config_to_data", "dumps",
           "file_format", "load_config_file", "parse_text"]
