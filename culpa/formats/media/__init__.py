"""Images and other media: pages marked for OCR, their metadata kept."""
