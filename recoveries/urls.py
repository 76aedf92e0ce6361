from django.urls import path

from . import views

app_name = "recoveries"
urlpatterns = [
    path("buyers/", views.buyer_list, name="buyers"),
    path("buyers/<int:pk>/verify/", views.buyer_verify, name="buyer_verify"),
    path("buyers/<int:pk>/revoke/", views.buyer_revoke, name="buyer_revoke"),
    path("auctions/", views.auction_list, name="auctions"),
    path("auctions/<int:pk>/bid/", views.bid, name="bid"),
]
