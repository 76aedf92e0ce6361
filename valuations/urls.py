from django.urls import path

from . import views

app_name = "valuations"
urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/calculations/", views.calculation_attach, name="calculation_attach"),
    path("orders/<int:pk>/<slug:action>/", views.order_action, name="action"),
    path("cases/<int:case_pk>/order/", views.order_create, name="create"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("calculator/", views.calculator, name="calculator"),
]
