"""Thai views of the data, shared by every surface: LINE messages (text, quick replies, Flex) built as plain
JSON dicts, names of rounds and statuses, complaint timelines. Pure: no database writes, no network."""
