from datetime import date

import pytest

from media.photos import FLAG_CODES, evidence_flags, haversine_m, inspect_image
from tests.media.media_factories import jpeg, make_exif

ENTERPRISE = (23.54, 116.37)  # Rongcheng district, Jieyang


def info(*, taken="2019-05-06T10:20:30+08:00", gps=ENTERPRISE):
    return {"exif_taken_at": taken, "gps": gps}


def flags(photo, **kwargs):
    args = dict(inspection_date=date(2019, 5, 6), enterprise_location=ENTERPRISE, reused=False)
    args.update(kwargs)
    return evidence_flags(info=photo, **args)


def test_haversine_known_distances():
    assert haversine_m(a=ENTERPRISE, b=ENTERPRISE) == 0
    # One degree of latitude is about 111.2 km.
    assert haversine_m(a=(0, 0), b=(1, 0)) == pytest.approx(111_195, rel=1e-3)
    # Guangzhou → Jieyang is roughly 330 km as the crow flies.
    assert 300_000 < haversine_m(a=(23.13, 113.26), b=ENTERPRISE) < 360_000
    with pytest.raises(ValueError, match="^b:"):
        haversine_m(a=(0, 0), b=(95, 0))


def test_clean_photo_has_no_flags():
    assert flags(info()) == []


def test_no_exif():
    assert flags(info(taken=None, gps=None)) == ["no_exif"]


@pytest.mark.parametrize(
    "taken, expected",
    [
        ("2019-05-08T23:59:00+08:00", []),  # 2 days later: within max_days
        ("2019-05-09T00:01:00+08:00", ["taken_far_from_inspection_date"]),
        ("2019-05-03T12:00:00+08:00", ["taken_far_from_inspection_date"]),
        # 2019-05-08 17:00 UTC is 2019-05-09 01:00 in China: 3 days off.
        ("2019-05-08T17:00:00+00:00", ["taken_far_from_inspection_date"]),
    ],
)
def test_date_window(taken, expected):
    assert flags(info(taken=taken)) == expected


def test_max_days_is_configurable():
    assert flags(info(taken="2019-05-09T09:00:00+08:00"), max_days=3) == []


def test_far_from_enterprise_threshold():
    north_1500 = (ENTERPRISE[0] + 1500 / 111_195, ENTERPRISE[1])
    north_2500 = (ENTERPRISE[0] + 2500 / 111_195, ENTERPRISE[1])
    assert flags(info(gps=north_1500)) == []
    assert flags(info(gps=north_2500)) == ["far_from_enterprise"]
    assert flags(info(gps=north_2500), max_distance_m=3000) == []
    assert flags(info(gps={"lat": north_2500[0], "lon": north_2500[1]})) == ["far_from_enterprise"]


def test_missing_inputs_raise_no_flag_except_no_exif():
    assert flags(info(taken="2018-01-01T00:00:00+08:00", gps=(0.5, 0.5)), inspection_date=None, enterprise_location=None) == []


def test_all_flags_in_stable_order_from_real_image():
    exif = make_exif(taken="2019:04:01 09:00:00", gps=((22.0, 0.0, 0.0), "N", (113.0, 0.0, 0.0), "E"))
    photo = inspect_image(data=jpeg(exif=exif))
    assert flags(photo, reused=True) == [
        "taken_far_from_inspection_date", "reused_across_inspections", "far_from_enterprise",
    ]
    no_exif = inspect_image(data=jpeg())
    assert flags(no_exif, reused=True) == ["no_exif", "reused_across_inspections"]
    assert set(FLAG_CODES) == {"no_exif", "taken_far_from_inspection_date", "reused_across_inspections", "far_from_enterprise"}


def test_bad_arguments_name_the_field():
    with pytest.raises(ValueError, match="^enterprise_location:"):
        flags(info(), enterprise_location=(200, 0))
    with pytest.raises(ValueError, match="^inspection_date:"):
        flags(info(), inspection_date="2019-05-06")
