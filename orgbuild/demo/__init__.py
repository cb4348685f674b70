"""The demo district: the 2022 Luohu report reproduced as data (service loads it; builder and names
make the organisations and their history).
"""
