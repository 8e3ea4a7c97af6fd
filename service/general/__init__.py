"""一般协办事项 (general cooperation request): a matter one office asks another to handle."""
