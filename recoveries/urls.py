from django.urls import path

from . import views

app_name = "recoveries"
urlpatterns = [
    path("buyers/", views.buyer_list, name="buyers"),
    path("buyers/<int:pk>/verify/", views.buyer_verify, name="buyer_verify"),
    path("buyers/<int:pk>/revoke/", views.buyer_revoke, name="buyer_revoke"),
    path("auctions/", views.auction_list, name="auctions"),
    path("auctions/<int:pk>/bid/", views.bid, name="bid"),
    # the recovery side of a facility (its panel on the facility page)
    path("facilities/<int:pk>/claim/", views.claim_file, name="claim"),
    path("facilities/<int:pk>/review_claim/", views.claim_review, name="review_claim"),
    path("facilities/<int:pk>/dispose/", views.disposal_open, name="dispose"),
    path("facilities/<int:pk>/award/", views.disposal_award, name="award"),
    path("facilities/<int:pk>/close/", views.disposal_close, name="close"),
    path("facilities/<int:pk>/write_off/", views.write_off, name="write_off"),
    path("facilities/<int:pk>/late_recovery/", views.late_recovery, name="late_recovery"),
    path("facilities/<int:pk>/moves/<int:move_pk>/", views.move_detail, name="move"),
    path("facilities/<int:pk>/moves/<int:move_pk>/confirm/", views.move_confirm, name="move_confirm"),
    path("facilities/<int:pk>/moves/<int:move_pk>/refuse/", views.move_refuse, name="move_refuse"),
]
