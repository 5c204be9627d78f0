"""The main rich menu: its tiles and LINE object (menu.py), its image (image.py), and deploying it."""
