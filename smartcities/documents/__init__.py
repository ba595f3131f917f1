"""The network's document library: uploaded files and links attached to a plan, a city, a country or a project."""
